"""Admin: the 主题分类 taxonomy and the attachment text-extraction log."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from library.models import AttachmentText, PolicyCategory
from library.services import retry_extraction


class PolicyCategoryViewSet(SnippetViewSet):
    model = PolicyCategory
    icon = "folder-open-inverse"
    menu_label = "主题分类"
    list_display = ["path_label", "parent", "sort_order"]
    list_filter = ["parent"]
    search_fields = ["name"]
    ordering = ["parent__sort_order", "parent__name", "sort_order", "name"]


class RetryColumn(Column):
    """A link to run a file's extraction again."""

    def get_value(self, instance):
        url = reverse("library_retry_extraction", args=[instance.pk])
        return format_html('<a href="{}">重新提取</a>', url)


class SystemRecordPolicy(ModelPermissionPolicy):
    """Staff may view and retry extraction records; only the system creates them."""

    def user_has_permission(self, user, action):
        return action != "add" and super().user_has_permission(user, action)


register_permission_policy(AttachmentText, SystemRecordPolicy(AttachmentText))


class AttachmentTextViewSet(SnippetViewSet):
    model = AttachmentText
    icon = "doc-full"
    menu_label = "附件文字提取"
    list_display = [
        "document",
        "status",
        "kind",
        "pages",
        Column("text_length", label="文字数"),
        "error",
        "updated_at",
        RetryColumn("retry", label="操作"),
    ]
    list_filter = ["status", "kind"]
    inspect_view_enabled = True
    copy_view_enabled = False
    panels = [
        FieldPanel("status", read_only=True),
        FieldPanel("kind", read_only=True),
        FieldPanel("pages", read_only=True),
        FieldPanel("encoding", read_only=True),
        FieldPanel("error", read_only=True),
        FieldPanel("text", read_only=True),
    ]


class LibraryViewSetGroup(SnippetViewSetGroup):
    items = (PolicyCategoryViewSet, AttachmentTextViewSet)
    menu_icon = "doc-full-inverse"
    menu_label = "文件库"
    menu_name = "library"


register_snippet(LibraryViewSetGroup)


@permission_required("library.change_attachmenttext", raise_exception=True)
def retry_extraction_view(request, pk):
    record = get_object_or_404(AttachmentText.objects.select_related("document"), pk=pk)
    if request.method == "POST":
        retry_extraction(record)
        messages.success(request, f"已重新提交“{record.document.title}”的文字提取。")
        return redirect("wagtailsnippets_library_attachmenttext:list")
    return TemplateResponse(
        request, "library/admin/confirm_retry.html", {"record": record}
    )


@hooks.register("register_admin_urls")
def register_library_admin_urls():
    return [
        path(
            "library/extraction/<int:pk>/retry/",
            retry_extraction_view,
            name="library_retry_extraction",
        )
    ]
