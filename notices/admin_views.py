"""Admin views: feedback on notices (list, answer, history) and its statistics."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils.functional import cached_property
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import EditView

from members.admin_views import (
    ScopedHistoryView,
    ScopedObjectMixin,
    out_of_scope_response,
)
from members.scoped_admin import AdminArea, AreaAccessMixin, ScopedIndexView
from members.scopes import organizations_for

from . import services
from .models import FeedbackStatus, NoticeFeedback, NoticePage
from .permissions import feedback_policy, may_see_feedback

feedback_admin = AdminArea(
    may_use=may_see_feedback,
    policy=feedback_policy,
    message="您没有查看公示反馈的权限。",
    hint="公示反馈由发布党组织的组织管理员（宣传员、审核员）答复，"
    "只能看到您管理的党组织及其下级发布的公示。如需开通，请联系站点管理员。",
    # the list's 公示 filter and the history's user filter
    query_ids=("notice", "user"),
    organization_fields=(),
)


class FeedbackAccessMixin(AreaAccessMixin):
    area = feedback_admin


def _notices_for_filter(request):
    if request is None:
        return NoticePage.objects.none()
    return NoticePage.objects.filter(
        organization__in=organizations_for(request.user)
    ).order_by("-period_start")


class FeedbackFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=FeedbackStatus.choices)
    notice = django_filters.ModelChoiceFilter(
        label="公示", queryset=_notices_for_filter
    )

    class Meta:
        model = NoticeFeedback
        fields = []


class FeedbackIndexView(FeedbackAccessMixin, ScopedIndexView):
    filterset_class = FeedbackFilterSet
    default_ordering = "-submitted_at"
    listed_for = ("view", "change", "reply")
    list_select_related = ("notice", "notice__organization")
    orderings = ("submitted_at", "-submitted_at")

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "tracking_number",
                label="反馈编号",
                get_url=lambda f: self.get_edit_url(f),
            ),
            Column("notice", label="公示", accessor=lambda f: f.notice.title),
            Column(
                "organization",
                label="发布党组织",
                accessor=lambda f: f.notice.organization.name,
            ),
            Column("status", label="状态", accessor="get_status_display"),
            Column("submitted_at", label="提交时间", sort_key="submitted_at"),
        ]


class FeedbackReplyForm(WagtailAdminModelForm):
    reply = forms.CharField(
        label="答复",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "请填写答复内容。"},
        help_text="答复后，反馈人可凭反馈编号和查询码查看；登录提交的反馈人还会收到通知。",
    )

    class Meta:
        model = NoticeFeedback
        fields = ["reply"]


class FeedbackEditView(FeedbackAccessMixin, ScopedObjectMixin, EditView):
    """The feedback with the sender's name and contact, and the answer form."""

    scope_action = "view"
    template_name = "notices/admin/feedback_edit.html"

    def get_page_subtitle(self):
        return f"反馈 {self.object.tracking_number}"

    def save_instance(self):
        return services.reply_to_feedback(
            self.object, by=self.request.user, text=self.form.cleaned_data["reply"]
        )

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except PermissionDenied:
            return out_of_scope_response(self.request)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("reply", message)
            return self.render_to_response(self.get_context_data(form=form))

    def get_success_message(self, instance=None):
        return f"已答复反馈 {self.object.tracking_number}。"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["feedback"] = self.object
        context["can_reply"] = feedback_policy.user_has_permission_for_instance(
            self.request.user, "reply", self.object
        )
        return context

    def post(self, request, *args, **kwargs):
        if not feedback_policy.user_has_permission_for_instance(
            request.user, "reply", self.get_object()
        ):
            return out_of_scope_response(request)
        return super().post(request, *args, **kwargs)


class FeedbackHistoryView(FeedbackAccessMixin, ScopedHistoryView):
    pass


def feedback_statistics(request):
    """公示反馈统计: per notice within the user's scope, received/answered/waiting."""
    if not may_see_feedback(request.user):
        return feedback_admin.forbidden(request)
    notices = NoticePage.objects.filter(
        organization__in=organizations_for(request.user)
    ).order_by("-period_start", "-pk")
    rows = services.feedback_statistics(notices)
    return render(
        request,
        "notices/admin/statistics.html",
        {
            "rows": rows,
            "total": sum(r["total"] for r in rows),
            "pending": sum(r["pending"] for r in rows),
        },
    )
