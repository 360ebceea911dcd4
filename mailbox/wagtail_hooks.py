"""Admin menu, screens, snippets and audit-log actions of the mailbox."""

from django.contrib.auth.models import Permission
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import admin_views
from .models import BoardCategory, CalendarDay, Letter, Mailbox, SensitiveWord
from .permissions import (
    can_moderate_board,
    can_use_mailbox_admin,
    can_view_statistics,
    letter_policy,
)

LOG_ACTIONS = {
    "mailbox.submit": ("来信提交", "来信已提交"),
    "mailbox.resubmit": ("重复提交", "重复提交，重新生成查询码"),
    "mailbox.accept": ("受理来信", "已受理"),
    "mailbox.reject": ("不予受理", "不予受理"),
    "mailbox.transfer": ("转办来信", "已转办"),
    "mailbox.note": ("内部备注", "添加内部备注"),
    "mailbox.in_progress": ("开始办理", "办理中"),
    "mailbox.draft_reply": ("拟写答复", "答复已拟稿"),
    "mailbox.sign_off": ("签发答复", "答复已签发"),
    "mailbox.return_reply": ("退回答复", "答复被退回"),
    "mailbox.close": ("办结来信", "已办结"),
    "mailbox.rate": ("来信人评价", "来信人已评价"),
    "mailbox.follow_up": ("来信人追问", "来信人追问"),
    "mailbox.view_contact": ("查看联系方式", "查看了来信人联系方式"),
    "mailbox.publish": ("选登来信", "来信选登公开"),
    "mailbox.unpublish": ("撤销选登", "撤销选登"),
    "mailbox.remind": ("到期提醒", "已发送到期提醒"),
    "mailbox.escalate": ("超期督办", "已发送超期督办"),
    "mailbox.purge": ("清除个人信息", "个人信息已按期清除"),
    "mailbox.board.post": ("留言提交", "留言已提交"),
    "mailbox.board.approve": ("留言通过", "留言审核通过"),
    "mailbox.board.reject": ("留言未通过", "留言审核未通过"),
    "mailbox.board.hide": ("留言隐藏", "留言已隐藏"),
    "mailbox.board.reply": ("回复留言", "已回复留言"),
    "mailbox.board.dismiss_reports": ("举报不成立", "举报经核实不成立"),
    "mailbox.board.appeal": ("留言申诉", "作者提出申诉"),
    "mailbox.board.appeal_granted": ("申诉成立", "申诉成立，留言已公开"),
    "mailbox.board.appeal_denied": ("申诉驳回", "申诉已驳回"),
}


@hooks.register("register_log_actions")
def register_mailbox_log_actions(actions):
    for action, (label, message) in LOG_ACTIONS.items():
        actions.register_action(action, label, message)


register_permission_policy(Letter, letter_policy, exact_class=True)


class LetterURLFinder(ModelAdminURLFinder):
    """Audit log entries of a letter link to its page (for those who handle it)."""

    edit_url_name = "mailbox_letters:inspect"


class LetterViewSet(ModelViewSet):
    """领导信箱: the letters of the user's mailboxes (admin_views says how)."""

    model = Letter
    icon = "mail"
    menu_label = "领导信箱"
    menu_order = 250
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    index_view_class = admin_views.LetterIndexView
    inspect_view_class = admin_views.LetterInspectView
    search_fields = ["tracking_number", "subject"]
    search_backend_name = None
    list_per_page = 30
    export_filename = "来信列表"
    url_finder_class = LetterURLFinder

    def get_common_view_kwargs(self, **kwargs):
        # Letters are neither added, edited nor deleted here; their log is on the page.
        none = dict.fromkeys(
            ["add_url_name", "edit_url_name", "delete_url_name", "usage_url_name"]
        )
        return super().get_common_view_kwargs(**none, history_url_name=None, **kwargs)

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type__app_label="mailbox",
            codename__in=[
                "manage_all_letters",
                "publish_letters",
                "view_letter_statistics",
            ],
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.inspect_view, name="inspect"),
            path(
                "<int:pk>/contact/",
                self.construct_view(
                    admin_views.LetterContactView, **self.get_inspect_view_kwargs()
                ),
                name="contact",
            ),
            path(
                "<int:pk>/attachments/<int:attachment_pk>/",
                admin_views.LetterAttachmentView.as_view(model=Letter),
                name="attachment",
            ),
            *(
                path(
                    f"<int:pk>/{name}/",
                    admin_views.LetterStep.as_view(model=Letter, run=run),
                    name=name,
                )
                for name, run in admin_views.STEPS.items()
            ),
        ]


@hooks.register("register_admin_viewset")
def register_letter_viewset():
    return LetterViewSet("mailbox_letters", url_prefix="mailbox/letters")


admin_urlpatterns = [
    path("statistics/", admin_views.LetterStatisticsView.as_view(), name="statistics"),
    path(
        "statistics/results/",
        admin_views.LetterStatisticsView.as_view(results_only=True),
        name="statistics_results",
    ),
    path("board/", admin_views.board_queue, name="board"),
    path(
        "board/<int:pk>/<slug:action>/",
        admin_views.board_action,
        name="board_action",
    ),
]


@hooks.register("register_admin_urls")
def register_mailbox_admin_urls():
    return [
        path(
            "mailbox/",
            include((admin_urlpatterns, "mailbox_admin"), namespace="mailbox_admin"),
        )
    ]


class _CheckedMenuItem(MenuItem):
    def __init__(self, *args, check, **kwargs):
        self.check = check
        super().__init__(*args, **kwargs)

    def is_shown(self, request):
        return self.check(request.user)


@hooks.register("register_admin_menu_item")
def register_statistics_menu_item():
    return _CheckedMenuItem(
        "信箱统计",
        reverse("mailbox_admin:statistics"),
        icon_name="table",
        order=251,
        check=can_view_statistics,
    )


@hooks.register("register_admin_menu_item")
def register_board_menu_item():
    return _CheckedMenuItem(
        "留言审核",
        reverse("mailbox_admin:board"),
        icon_name="comment",
        order=252,
        check=can_moderate_board,
    )


class MailboxViewSet(SnippetViewSet):
    model = Mailbox
    icon = "mail"
    menu_label = "信箱设置"
    list_display = ["name", "reply_days", "is_active", "sort_order"]
    search_fields = ["name"]


class CalendarDayViewSet(SnippetViewSet):
    model = CalendarDay
    icon = "date"
    menu_label = "节假日与调休"
    list_display = ["date", "name", "is_working_day", "provisional"]
    list_filter = ["is_working_day", "provisional"]
    list_per_page = 60


class BoardCategoryViewSet(SnippetViewSet):
    model = BoardCategory
    icon = "tag"
    menu_label = "留言分类"
    list_display = ["name", "sort_order"]


class SensitiveWordViewSet(SnippetViewSet):
    model = SensitiveWord
    icon = "warning"
    menu_label = "敏感词"
    list_display = ["word", "action"]
    list_filter = ["action"]
    search_fields = ["word"]


class MailboxSettingsGroup(SnippetViewSetGroup):
    items = (
        MailboxViewSet,
        CalendarDayViewSet,
        BoardCategoryViewSet,
        SensitiveWordViewSet,
    )
    menu_icon = "cog"
    menu_label = "信箱与留言设置"
    menu_name = "mailbox-settings"
    menu_order = 253


register_snippet(MailboxSettingsGroup)


class MailboxTodoPanel(Component):
    """The dashboard's to-do list for handlers and leaders of a mailbox."""

    name = "mailbox_todo"
    template_name = "mailbox/admin/todo_panel.html"
    order = 90

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        from django.utils import timezone

        from .models import Letter, LetterReply, LetterStatus

        letters = Letter.objects.visible_to(self.user)
        today = timezone.localdate()
        return {
            "pending": letters.filter(status=LetterStatus.PENDING).count(),
            "open": letters.open().count(),
            "overdue": letters.overdue(today).count(),
            "sign_off": LetterReply.objects.filter(
                status=LetterReply.Status.AWAITING,
                letter__mailbox__leaders=self.user,
            ).count(),
            "letters_url": reverse("mailbox_letters:index"),
        }


@hooks.register("construct_homepage_panels")
def add_mailbox_todo_panel(request, panels):
    if can_use_mailbox_admin(request.user):
        panels.insert(0, MailboxTodoPanel(request.user))
