"""Admin views: importing and exporting the bank, and the statistics of each exam."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import (
    CopyView,
    DeleteView,
    EditView,
    IndexView,
    InspectView,
    UsageView,
)

from home.params import choice_param, id_param
from members.admin_views import (
    ScopedHistoryView,
    ScopedObjectMixin,
    SpreadsheetImportView,
    out_of_scope_response,
)
from members.exports import XLSX_TYPE as XLSX
from members.exports import Sheet, attachment, export_response
from members.forms import SpreadsheetImportForm
from members.reports import forbidden
from school.admin_views import report_organizations

from . import certificates, importers, stats
from .models import Certificate, Exam, Question
from .permissions import can_revoke, certificates_for, may_see_certificates

STATS_PERMISSION = "exams.view_exam_report"


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = attachment(filename)
    return response


class QuestionImportForm(SpreadsheetImportForm):
    file = forms.FileField(
        label="试题文件", help_text="Excel .xlsx 或 CSV（UTF-8 或 GB18030 编码）"
    )


def _may_import(user) -> bool:
    return user.has_perm("exams.add_question") and user.has_perm(
        "exams.change_question"
    )


class QuestionImportView(SpreadsheetImportView):
    """Upload a question file; a per-row report of what was imported and refused."""

    form_class = QuestionImportForm
    template_name = "exams/admin/question_import.html"
    page_title = "导入试题"
    index_url_name = "exams_questions:index"
    index_label = "题库"
    back_label = "返回题库"
    columns = importers.HEADERS

    def may_import(self, user) -> bool:
        return _may_import(user)

    def run_import(self, upload):
        return importers.import_questions(upload.read(), upload.name)


def template(request):
    """The empty template with one example row per question type."""
    if not _may_import(request.user):
        raise PermissionDenied
    return _download(importers.template_bytes(), "试题导入模板.xlsx", XLSX)


def export(request):
    """The bank (or the filtered part of it) in the import format."""
    if not request.user.has_perm("exams.view_question"):
        raise PermissionDenied
    fmt = choice_param(request.GET, "format", ("xlsx", "csv"), default="xlsx")
    questions = Question.objects.order_by("category__sort_order", "pk")
    kind = choice_param(request.GET, "kind", Question.Kind.values)
    category = id_param(request.GET, "category")
    retired = choice_param(request.GET, "retired", ("true", "false"))
    if kind:
        questions = questions.filter(kind=kind)
    if category:
        questions = questions.filter(category_id=category)
    if retired:
        questions = questions.filter(retired=retired == "true")
    return export_response(
        request,
        sheets=[importers.bank_sheet(importers.export_rows(questions))],
        filename="题库",
        fmt=fmt,
        audit=f"导出题库 {questions.count()} 题（{fmt.upper()}）",
    )


def can_view_stats(user) -> bool:
    return user.is_active and user.is_authenticated and user.has_perm(STATS_PERMISSION)


def _scope(request):
    if not can_view_stats(request.user):
        raise PermissionDenied
    return report_organizations(request.user)


def exam_list(request):
    """Every exam with its attempts and pass rate among the members in scope."""
    organizations = _scope(request)
    rows = []
    for exam in Exam.objects.select_related("lesson", "course").order_by("-pk"):
        rows.append({"exam": exam, **stats.summary(exam, organizations)})
    return render(request, "exams/admin/exam_list.html", {"rows": rows})


def exam_stats(request, pk: int):
    """One exam: by 党组织, score distribution, per question; XLSX export."""
    organizations = _scope(request)
    exam = get_object_or_404(Exam, pk=pk)
    export = choice_param(request.GET, "export", ("xlsx",))
    participation = None
    if exam.is_contest:
        from . import contests

        if exam.contest_phase() == "closed":
            contests.close_overdue(exam)
        participation = contests.boards(exam, organizations, member_limit=0).branches
    context = {
        "exam": exam,
        "participation": participation,
        "summary": stats.summary(exam, organizations),
        "branches": stats.branches(exam, organizations),
        "distribution": stats.distribution(exam, organizations),
        "questions": stats.questions(exam, organizations),
    }
    if export:
        return export_response(
            request,
            sheets=_stats_sheets(context),
            filename=f"考试统计-{exam.pk}",
            fmt="xlsx",
            audit=f"导出考试统计：{exam}",
        )
    return render(request, "exams/admin/exam_stats.html", context)


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _stats_sheets(context) -> list[Sheet]:
    sheets = {
        "各党组织": (
            ["党组织", "答卷数", "参考人数", "通过人数", "通过率", "平均分"],
            [
                [row["name"], row["attempts"], row["members"], row["passed"],
                 _percent(row["pass_rate"]), round(row["average"] or 0, 1)]
                for row in context["branches"]
            ],
        ),
        "分数分布": (
            ["分数段", "答卷数"],
            [[row["label"], row["count"]] for row in context["distribution"]],
        ),
        "各题正确率": (
            ["题型", "题干", "作答次数", "答对次数", "正确率", "选得最多的错误选项"],
            [
                [Question.Kind(row.kind).label, row.stem, row.answered, row.correct,
                 _percent(row.correct_rate), row.top_wrong]
                for row in context["questions"]
            ],
        ),
    }  # fmt: skip
    if context.get("participation") is not None:
        sheets["参赛情况"] = (
            ["名次", "党组织", "党员数", "参赛人数", "参赛率", "平均分", "人均得分"],
            [
                [row.rank, row.name, row.members, row.participants,
                 _percent(row.rate), round(row.average, 1), round(row.index, 1)]
                for row in context["participation"]
            ],
        )  # fmt: skip
    return [
        Sheet(header, rows, title=title) for title, (header, rows) in sheets.items()
    ]


# ---- 结业证书 ------------------------------------------------------------------------


def certificates_forbidden(request):
    return forbidden(
        request,
        "您没有查看结业证书的权限。",
        "结业证书由党校管理员管理，只能看到您所管党组织及其下级党员的证书。"
        "如需开通，请联系站点管理员。",
    )


class CertificateAccessMixin:
    def dispatch(self, request, *args, **kwargs):
        if not may_see_certificates(request.user):
            return certificates_forbidden(request)
        id_param(request.GET, "user")
        return super().dispatch(request, *args, **kwargs)


class CertificateFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(
        label="状态",
        choices=[("valid", "有效"), ("revoked", "已撤销")],
        method="filter_state",
    )

    class Meta:
        model = Certificate
        fields = []

    def filter_state(self, queryset, name, value):
        return queryset.filter(revoked_at__isnull=(value == "valid"))


class CertificateIndexView(CertificateAccessMixin, IndexView):
    filterset_class = CertificateFilterSet
    default_ordering = "-issued_at"
    search_fields = ["serial", "member_name", "course_title"]
    search_backend_name = None

    def get_base_queryset(self):
        return certificates_for(self.request.user).select_related("organization")

    def get_valid_orderings(self):
        return ["issued_at", "-issued_at"]

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "serial", label="证书编号", get_url=lambda c: self.get_inspect_url(c)
            ),
            Column("member_name", label="姓名"),
            Column("course_title", label="课程"),
            Column(
                "organization",
                label="所在党组织",
                accessor=lambda c: c.organization.name if c.organization else "",
            ),
            Column("credit_hours", label="学时"),
            Column("issued_at", label="发证时间", sort_key="issued_at"),
            Column(
                "state",
                label="状态",
                accessor=lambda c: "已撤销" if c.is_revoked else "有效",
            ),
        ]


class CertificateInspectView(CertificateAccessMixin, ScopedObjectMixin, InspectView):
    scope_action = "view"
    template_name = "exams/admin/certificate_inspect.html"

    def get_fields(self):
        return [
            "serial", "member_name", "organization", "course_title", "credit_hours",
            "completed_on", "with_exam", "issuer", "issued_at", "revoked_at",
            "revoked_by", "revoke_reason",
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_revoke"] = can_revoke(self.request.user, self.object)
        context["verify_url"] = reverse(
            "exams:certificate_verify", args=[self.object.token]
        )
        return context


class CertificateHistoryView(CertificateAccessMixin, ScopedHistoryView):
    pass


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="撤销原因",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "请填写撤销原因。",
            "max_length": "撤销原因不能超过 200 字。",
        },
    )


def revoke_certificate(request, pk: int):
    """Revoke a certificate of the user's part of the tree, with a reason; audited."""
    if not may_see_certificates(request.user):
        return certificates_forbidden(request)
    certificate = get_object_or_404(Certificate, pk=pk)
    if not can_revoke(request.user, certificate):
        return out_of_scope_response(request)
    form = RevokeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                certificates.revoke_certificate(
                    certificate, by=request.user, reason=form.cleaned_data["reason"]
                )
            except certificates.CertificateError as exc:
                form.add_error("reason", str(exc))
            else:
                messages.success(request, f"已撤销证书 {certificate.serial}。")
                return redirect("exams_certificates:inspect", certificate.pk)
        status = 400
    return render(
        request,
        "exams/admin/certificate_revoke.html",
        {"certificate": certificate, "form": form, "page_title": "撤销结业证书"},
        status=status,
    )


# ---- 测验与考试: 知识竞赛 within the user's part of the tree ---------------------------


class _IdsChoiceMixin:
    """The values of a multiple model choice must look like row ids before they reach
    the database (10**25 or '²' would fail there instead of on the form)."""

    def _check_values(self, value):
        from school.forms import _is_id

        if any(not _is_id(item) for item in value):
            raise forms.ValidationError("请选择列出的选项")
        return super()._check_values(value)


def _checked_choice_fields(form) -> None:
    from school.forms import IdChoiceMixin

    for field in form.fields.values():
        cls = type(field)
        if isinstance(field, forms.ModelMultipleChoiceField):
            field.__class__ = type(f"Checked{cls.__name__}", (_IdsChoiceMixin, cls), {})
        elif isinstance(field, forms.ModelChoiceField):
            field.__class__ = type(f"Checked{cls.__name__}", (IdChoiceMixin, cls), {})


class ExamAdminForm(WagtailAdminModelForm):
    """A user who is not a superuser chooses the 主办党组织 and 参赛党组织 of a contest
    among their own part of the tree only (a forged choice is refused by the field).
    Every choice of a row is checked to be an id before it reaches the database."""

    ROW_RELATIONS = ("draw_rules", "fixed_questions")

    def __init__(self, *args, **kwargs):
        self._foreign_rows = []
        if args:
            args = (self._own_rows_only(args[0], kwargs.get("instance")), *args[1:])
        elif kwargs.get("data") is not None:
            kwargs["data"] = self._own_rows_only(kwargs["data"], kwargs.get("instance"))
        super().__init__(*args, **kwargs)
        _checked_choice_fields(self)
        self._not_ids = []
        if self.is_bound:
            # A chooser widget looks its value up again when the form is shown with
            # errors: a value that is no id is taken out first, and reported.
            from school.forms import _is_id

            data = self.data.copy()
            for name, field in self.fields.items():
                if isinstance(field, forms.ModelMultipleChoiceField) or not isinstance(
                    field, forms.ModelChoiceField
                ):
                    continue
                value = data.get(self.add_prefix(name))
                if value not in (None, "") and not _is_id(value):
                    data[self.add_prefix(name)] = ""
                    self._not_ids.append(name)
            self.data = data
        user = self.for_user
        if user is None or user.is_superuser:
            return
        scope = report_organizations(user).order_by("path")
        for name in ("organization", "audience"):
            if name in self.fields:
                self.fields[name].queryset = scope

    def _own_rows_only(self, data, instance):
        """An inline row's id must be one of this exam's rows (抽题规则, 固定试题): an
        existing row submitted with another id, or a new row with any id, is noted for
        a form error and its id blanked before the formsets read it, so a hostile id
        never reaches another exam's rows (nor the database, when it is no number)."""
        if data is None:
            return data
        data = data.copy()
        for name in self.ROW_RELATIONS:
            own = set()
            if instance is not None and instance.pk:
                own = {
                    str(pk)
                    for pk in getattr(instance, name).values_list("pk", flat=True)
                }
            initial = data.get(f"{name}-INITIAL_FORMS", "0")
            initial = int(initial) if str(initial).isdigit() and len(initial) < 5 else 0
            pattern = re.compile(rf"^{name}-(\d{{1,4}})-id$")
            keys = [key for key in data if pattern.match(key)]
            keys += [
                f"{name}-{index}-id"
                for index in range(min(initial, 1000))
                if f"{name}-{index}-id" not in data
            ]
            for key in keys:
                value = data.get(key, "")
                index = int(pattern.match(key)[1])
                if value in own or (value == "" and index >= initial):
                    continue
                self._foreign_rows.append(name)
                data[key] = ""
        return data

    def clean(self):
        cleaned = super().clean()
        for name in self._not_ids:
            self.add_error(name, "请选择列出的选项")
        if self._foreign_rows:
            labels = {"draw_rules": "抽题规则", "fixed_questions": "固定试题"}
            names = "、".join(labels[n] for n in dict.fromkeys(self._foreign_rows))
            raise forms.ValidationError(
                f"{names}中有不属于本考试的行，请刷新页面后重新编辑。"
            )
        return cleaned


class ShowOnlyCopyView(CopyView):
    """Wagtail's copy page fills the 新建 form from an existing row and posts it to the
    add view. Posted to the copy address itself, the form would be bound to the
    original and save over it (checked for 查看 permission only): 405 instead."""

    http_method_names = ["get", "head", "options"]


class ExamIndexView(IndexView):
    def get_base_queryset(self):
        return self.permission_policy.instances_user_has_any_permission_for(
            self.request.user, ["add", "change", "delete", "view"]
        )


class ExamEditView(ScopedObjectMixin, EditView):
    scope_action = "change"


class ExamDeleteView(ScopedObjectMixin, DeleteView):
    scope_action = "delete"


class ExamHistoryView(ScopedHistoryView):
    pass


class ExamUsageView(ScopedObjectMixin, UsageView):
    scope_action = "view"
