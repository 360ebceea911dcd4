"""Admin screens of the mailbox (under /admin/mailbox/).

Letters are a Wagtail ModelViewSet (wagtail_hooks.LetterViewSet): its index with a
filter set, search, pagination and CSV/XLSX export, its inspect view, and one small
POST view per step of handling that calls its service. What a user sees is scoped by
permissions.letter_policy (Letter.objects.visible_to); outside it the answer is a
403 page. Statistics and board moderation are plain views below.
"""

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.views import View
from django.views.decorators.http import require_POST
from django_filters.fields import DateRangeField
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView, InspectView

from home.params import choice_param, id_param, text_param
from members import reports
from members.accounts.services import mask_email
from members.exports import ExportMixin
from members.phones import mask_phone
from members.reports import ReportView, StrictFiltersMixin, YearFilter, keep_queryset

from . import services
from .downloads import stored_file_response
from .models import (
    BoardMessage,
    Letter,
    LetterReply,
    LetterStatus,
    Mailbox,
    RejectReason,
)
from .permissions import (
    can_moderate_board,
    can_publish_letters,
    can_sign_off,
    can_view_statistics,
    letter_policy,
)
from .stats import STATISTICS_HEADER, letter_statistics, statistics_table

OUT_OF_SCOPE = "您无权查看或办理这封来信：它不属于您办理或领导的信箱。"


def forbidden(request, message="您没有使用领导信箱的权限。") -> TemplateResponse:
    """The admin's 403 page (Wagtail itself would redirect to the dashboard)."""
    return reports.forbidden(
        request,
        message,
        "领导信箱由信箱办理人办理、领导签发；每人只能看到自己办理或领导的"
        "信箱的来信。如需开通，请联系站点管理员。",
    )


def mask_name(name: str) -> str:
    return (name[0] + "*" * (len(name) - 1)) if name else ""


class LetterAccess:
    """Refuses users outside the letters' audience, letters outside their mailboxes
    (``pk``) and steps a service refuses (PermissionDenied) with a 403 page."""

    def dispatch(self, request, *args, **kwargs):
        if not letter_policy.user_has_permission(request.user, "view"):
            return forbidden(request)
        if "pk" in kwargs:
            self.letter = get_object_or_404(
                Letter.objects.select_related("mailbox"), pk=kwargs["pk"]
            )
            if not letter_policy.user_has_permission_for_instance(
                request.user, "view", self.letter
            ):
                return forbidden(request, OUT_OF_SCOPE)
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied as exc:
            return forbidden(request, str(exc) or OUT_OF_SCOPE)


# The list -----------------------------------------------------------------------------


class BoundedDateRangeField(DateRangeField):
    def compress(self, data_list):
        for day in data_list or ():
            if day and not 2000 <= day.year <= 2100:
                raise ValidationError("日期应在 2000 年到 2100 年之间。")
        return super().compress(data_list)


def _visible_mailboxes(request):
    if request is None:
        return Mailbox.objects.none()
    return Mailbox.objects.filter(
        pk__in=Letter.objects.visible_to(request.user).values("mailbox")
    )


class DateRangeFilter(django_filters.DateFromToRangeFilter):
    field_class = BoundedDateRangeField


class LetterFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label="状态",
        choices=LetterStatus.choices,
        empty_label="全部",
        widget=forms.RadioSelect,
    )
    mailbox = django_filters.ModelChoiceFilter(
        label="信箱", queryset=_visible_mailboxes, empty_label="全部"
    )
    flag = django_filters.ChoiceFilter(
        label="提醒",
        choices=[("open", "未办结"), ("overdue", "已超期"), ("sign_off", "待签发")],
        method="filter_flag",
        empty_label="全部",
        widget=forms.RadioSelect,
    )
    date = DateRangeFilter(
        label="来信日期", field_name="submitted_at", widget=DateRangePickerWidget
    )

    class Meta:
        model = Letter
        fields = []

    def filter_flag(self, queryset, name, value):
        if value == "overdue":
            return queryset.overdue(timezone.localdate())
        if value == "open":
            return queryset.open()
        return queryset.filter(replies__status=LetterReply.Status.AWAITING).distinct()


class DeadlineColumn(Column):
    """The reply deadline with 已超期 / 即将到期 for open letters."""

    @cached_property
    def calendar(self):
        return services.working_calendar()

    def get_value(self, letter):
        flag = services.deadline_flag(letter, timezone.localdate(), self.calendar)
        label = {"overdue": "已超期", "due_soon": "即将到期"}.get(flag)
        if not label:
            return f"{letter.due_date:%Y-%m-%d}"
        return format_html(
            '{} <span class="mba-flag mba-flag--{}">{}</span>',
            f"{letter.due_date:%Y-%m-%d}",
            "overdue" if flag == "overdue" else "soon",
            label,
        )


def _writer(letter) -> str:
    return mask_name(letter.real_name) or "（未留名）"


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


LETTER_EXPORT = {
    "信件编号": lambda letter: letter.tracking_number,
    "信箱": lambda letter: letter.mailbox.name,
    "类型": lambda letter: letter.get_letter_type_display(),
    "标题": lambda letter: letter.subject,
    "状态": lambda letter: letter.get_status_display(),
    "来信时间": lambda letter: _when(letter.submitted_at),
    "答复期限": lambda letter: f"{letter.due_date:%Y-%m-%d}",
    "首次答复": lambda letter: _when(letter.first_replied_at),
    "满意度": lambda letter: letter.get_satisfaction_display(),
    "来信人（脱敏）": lambda letter: mask_name(letter.real_name),
}


class LetterIndexView(LetterAccess, StrictFiltersMixin, ExportMixin, IndexView):
    page_title = "领导信箱"
    filterset_class = LetterFilterSet
    default_ordering = "-submitted_at"
    no_results_message = "没有符合条件的来信。"

    def get_base_queryset(self):
        return letter_policy.instances_user_has_any_permission_for(
            self.request.user, ["view"]
        ).select_related("mailbox")

    def get(self, request, *args, **kwargs):
        # The filters' values come from the form's own choices: a value it refuses
        # is a forged or broken link, answered 400 with the parameter's name
        # (StrictFiltersMixin; an id is checked before the form takes it to the
        # database).
        id_param(request.GET, "mailbox")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["media"] += forms.Media(css={"all": ["mailbox/mailbox_admin.css"]})
        return context

    @cached_property
    def columns(self):
        minor = {"classname": "mba-minor"}  # hidden on phones
        return [
            self._get_custom_column(
                "tracking_number", TitleColumn, get_url=self.get_inspect_url
            ),
            self._get_custom_column("subject"),
            self._get_custom_column("mailbox", **minor),
            self._get_custom_column("letter_type", **minor),
            self._get_custom_column("status"),
            Column("writer", label="来信人", accessor=_writer, **minor),
            Column(
                "submitted_at",
                label="来信时间",
                sort_key="submitted_at",
                accessor=lambda letter: _when(letter.submitted_at),
                **minor,
            ),
            DeadlineColumn("due_date", label="答复期限", sort_key="due_date"),
        ]

    export_sheet_title = "来信"
    list_export = list(LETTER_EXPORT)

    def export_audit_detail(self, queryset, spreadsheet_format):
        return f"信箱导出：来信列表（{queryset.count()} 行，{spreadsheet_format}）"

    def to_row_dict(self, letter) -> dict:
        return {heading: get(letter) for heading, get in LETTER_EXPORT.items()}


# One letter ---------------------------------------------------------------------------


class LetterInspectView(LetterAccess, InspectView):
    """The letter, its writer (masked), replies, steps and history."""

    page_title = "来信详情"
    template_name = "mailbox/admin/letter_inspect.html"
    contact = None

    def get_object(self, queryset=None):
        return get_object_or_404(Letter.objects.select_related("mailbox"), pk=self.pk)

    def get_fields(self):
        return []

    def get_context_data(self, **kwargs):
        letter, user = self.object, self.request.user
        return super().get_context_data(
            letter=letter,
            flag=services.deadline_flag(
                letter, timezone.localdate(), services.working_calendar()
            ),
            contact=self.contact,
            masked={
                "real_name": mask_name(letter.real_name),
                "phone": mask_phone(letter.phone),
                "email": mask_email(letter.email) if letter.email else "",
            },
            events=letter.events.select_related("actor"),
            replies=letter.replies.select_related("drafted_by", "reviewed_by"),
            attachments=letter.attachments.all(),
            awaiting=letter.replies.filter(status=LetterReply.Status.AWAITING).first(),
            can_handle=letter_policy.user_has_permission_for_instance(
                user, "change", letter
            ),
            can_sign_off=can_sign_off(user, letter),
            can_publish=can_publish_letters(user),
            reject_reasons=RejectReason.choices,
            other_mailboxes=Mailbox.objects.filter(is_active=True).exclude(
                pk=letter.mailbox_id
            ),
            **kwargs,
        )


class LetterContactView(LetterInspectView):
    """POST: the letter with the writer's full contact details, logged."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.contact = services.reveal_contact(self.object, by=request.user)
        response = self.get(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


class LetterAttachmentView(LetterAccess, View):
    model = Letter
    http_method_names = ["get"]

    def get(self, request, pk, attachment_pk):
        item = get_object_or_404(self.letter.attachments, pk=attachment_pk)
        return stored_file_response(item.file.open("rb"), item, as_attachment=True)


# Steps of handling: one POST view each -----------------------------------------------


def _text(post, name: str) -> str:
    """A posted text field (the services check its length); NUL is refused (400)."""
    return text_param(post, name, max_length=20_000)


def _reply(letter, post) -> LetterReply:
    return get_object_or_404(
        LetterReply, pk=id_param(post, "reply") or 0, letter=letter
    )


class LetterStep(LetterAccess, View):
    """POST: run one step's service on the letter, report, show the letter again.
    Each step is this view with its ``run`` (STEPS), at a URL of its own."""

    model = Letter
    run = None
    http_method_names = ["post"]

    def post(self, request, pk):
        try:
            self.run(self.letter, request.user, request.POST)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "操作已完成。")
        return redirect("mailbox_letters:inspect", pk=pk)


STEPS = {
    "accept": lambda letter, by, post: services.accept_letter(letter, by=by),
    "reject": lambda letter, by, post: services.reject_letter(
        letter, by=by, reason=_text(post, "reason"), note=_text(post, "note")
    ),
    "transfer": lambda letter, by, post: services.transfer_letter(
        letter,
        by=by,
        to=get_object_or_404(Mailbox, pk=id_param(post, "mailbox") or 0),
        note=_text(post, "note"),
    ),
    "note": lambda letter, by, post: services.add_note(
        letter, by=by, text=_text(post, "text")
    ),
    "draft": lambda letter, by, post: services.draft_reply(
        letter, by=by, body=_text(post, "body")
    ),
    "sign_off": lambda letter, by, post: services.sign_off_reply(
        _reply(letter, post), by=by, comment=_text(post, "comment")
    ),
    "return": lambda letter, by, post: services.return_reply(
        _reply(letter, post), by=by, comment=_text(post, "comment")
    ),
    "close": lambda letter, by, post: services.close_letter(letter, by=by),
    "publish": lambda letter, by, post: services.publish_letter(
        letter,
        by=by,
        subject=_text(post, "public_subject"),
        content=_text(post, "public_content"),
    ),
    "unpublish": lambda letter, by, post: services.unpublish_letter(letter, by=by),
}


# Statistics ---------------------------------------------------------------------------


STAT_GROUPS = ["合计", "信箱", "类型", "月份"]


def _rate(value):
    return "—" if value is None else f"{value}%"


def _days(value):
    return "—" if value is None else value


class LetterStatisticsFilterSet(WagtailFilterSet):
    year = YearFilter(
        label="年份",
        field_name="submitted_at",
        lookup_expr="year",
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"placeholder": "全部"}),
    )
    group = django_filters.ChoiceFilter(
        label="分组",
        choices=[(g, g) for g in STAT_GROUPS],
        empty_label="全部",
        widget=forms.RadioSelect,
        method=keep_queryset,
    )

    class Meta:
        model = Letter
        fields = []


class LetterStatisticsView(ReportView):
    """信箱统计: figures per mailbox, type and month of the letters the user may see."""

    page_title = "信箱统计"
    header_icon = "table"
    results_template_name = "mailbox/admin/statistics_results.html"
    index_url_name = "mailbox_admin:statistics"
    index_results_url_name = "mailbox_admin:statistics_results"
    forbidden_message = "您没有查看信箱统计的权限。"
    forbidden_hint = (
        "信箱统计供领导、信箱管理员和站点管理员查看，只统计您能看到的信箱的来信。"
        "如需开通，请联系站点管理员。"
    )
    filterset_class = LetterStatisticsFilterSet
    paginate_by = 100
    verbose_name_plural = "行"
    no_results_message = "暂无数据。"
    export_filename = "信箱统计"
    export_sheet_title = "信箱统计"
    list_export = [str(i) for i in range(len(STATISTICS_HEADER))]
    export_headings = dict(zip(list_export, STATISTICS_HEADER, strict=True))

    def user_may_view(self, user):
        return can_view_statistics(user)

    columns = [
        Column("0", label="分组"),
        Column("1", label="名称"),
        Column("2", label="来信"),
        Column("3", label="不予受理"),
        Column("4", label="已答复"),
        Column("5", label="答复率", accessor=lambda row: _rate(row["5"])),
        Column("6", label="按期答复率", accessor=lambda row: _rate(row["6"])),
        Column("7", label="平均天数", accessor=lambda row: _days(row["7"])),
        Column(
            "satisfaction",
            label="满意 / 基本满意 / 不满意",
            accessor=lambda row: f"{row['9']} / {row['10']} / {row['11']}",
        ),
    ]

    @cached_property
    def statistics(self):
        letters = Letter.objects.visible_to(self.request.user)
        return letter_statistics(self.filter_queryset(letters))

    def get_queryset(self):
        group = self.filters.form.cleaned_data.get("group")
        return [
            dict(zip(self.list_export, row, strict=True))
            for row in statistics_table(self.statistics)[1:]
            if not group or row[0] == group
        ]

    def export_audit_detail(self, queryset, spreadsheet_format):
        rows = len(queryset)
        return f"信箱导出：信箱统计（{rows} 行，{spreadsheet_format.upper()}）"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["stats"] = self.statistics
        context["media"] += forms.Media(css={"all": ["mailbox/mailbox_admin.css"]})
        return context


# Board moderation ---------------------------------------------------------------------

BOARD_TABS = [
    ("pending", "待审核"),
    ("flagged", "敏感词命中"),
    ("reported", "被举报"),
    ("appeals", "申诉"),
    ("all", "全部"),
]
NOT_A_MODERATOR = "您没有审核留言的权限。"


def board_queue(request):
    if not can_moderate_board(request.user):
        return forbidden(request, NOT_A_MODERATOR)
    tab = choice_param(request.GET, "tab", dict(BOARD_TABS), default="pending")
    qs = BoardMessage.objects.with_related()
    if tab == "pending":
        qs = qs.filter(status=BoardMessage.Status.PENDING)
    elif tab == "flagged":
        qs = qs.exclude(flagged_words="").filter(status=BoardMessage.Status.PENDING)
    elif tab == "reported":
        qs = qs.filter(reports__resolved=False).distinct()
    elif tab == "appeals":
        qs = qs.filter(appeal_status=BoardMessage.AppealStatus.OPEN)
    page = Paginator(qs.prefetch_related("reports"), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "mailbox/admin/board_queue.html",
        {"page_obj": page, "tab": tab, "tabs": BOARD_TABS},
    )


@require_POST
def board_action(request, pk: int, action: str):
    if not can_moderate_board(request.user):
        return forbidden(request, NOT_A_MODERATOR)
    message = get_object_or_404(BoardMessage, pk=pk)
    user, post = request.user, request.POST
    steps = {
        "approve": lambda: services.approve_message(message, by=user),
        "reject": lambda: services.reject_message(
            message, by=user, reason=_text(post, "reason")
        ),
        "hide": lambda: services.hide_message(
            message, by=user, reason=_text(post, "reason")
        ),
        "reply": lambda: services.reply_to_message(
            message, by=user, text=_text(post, "text")
        ),
        "dismiss": lambda: services.dismiss_reports(message, by=user),
        "grant": lambda: services.decide_appeal(message, by=user, grant=True),
        "deny": lambda: services.decide_appeal(message, by=user, grant=False),
    }
    if action not in steps:
        raise Http404
    try:
        steps[action]()
    except PermissionDenied as exc:
        return forbidden(request, str(exc) or NOT_A_MODERATOR)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "操作已完成。")
    tab = _text(post, "next_tab")
    url = reverse("mailbox_admin:board")
    return redirect(f"{url}?tab={tab}" if tab in dict(BOARD_TABS) else url)
