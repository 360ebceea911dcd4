"""Admin views: importing and exporting the bank, and the statistics of each exam."""

from __future__ import annotations

import io
from urllib.parse import quote

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from home.params import choice_param, id_param
from members.forms import MAX_IMPORT_BYTES
from members.importers import ImportFileError, safe_cell
from members.security import record_event
from school.admin_views import report_organizations

from . import importers, stats
from .models import Exam, Question

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATS_PERMISSION = "exams.view_exam_report"


def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class QuestionImportForm(forms.Form):
    file = forms.FileField(
        label="试题文件", help_text="Excel .xlsx 或 CSV（UTF-8 或 GB18030 编码）"
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError("只支持 CSV 或 XLSX 文件")
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                f"文件超过 {MAX_IMPORT_BYTES // (1024 * 1024)} MB，请分批导入"
            )
        return upload


def _may_import(user) -> bool:
    return user.has_perm("exams.add_question") and user.has_perm(
        "exams.change_question"
    )


class QuestionImportView(WagtailAdminTemplateMixin, FormView):
    """Upload a question file; a per-row report of what was imported and refused."""

    form_class = QuestionImportForm
    template_name = "exams/admin/question_import.html"
    header_icon = "upload"
    page_title = "导入试题"

    def dispatch(self, request, *args, **kwargs):
        if not _may_import(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": "首页"},
            {"url": reverse("exams_questions:index"), "label": "题库"},
            {"url": "", "label": "导入试题"},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = importers.HEADERS
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            report = importers.import_questions(upload.read(), upload.name)
        except ImportFileError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        (messages.warning if report.failed else messages.success)(
            self.request, report.summary()
        )
        return self.render_to_response(
            self.get_context_data(form=QuestionImportForm(), report=report)
        )


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
    record_event(
        request,
        "export",
        user=request.user,
        detail=f"导出题库 {questions.count()} 题（{fmt.upper()}）"[:255],
    )
    content_type = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
    data = importers.to_bytes(importers.export_rows(questions), fmt)
    return _download(data, f"题库.{fmt}", content_type)


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
    context = {
        "exam": exam,
        "summary": stats.summary(exam, organizations),
        "branches": stats.branches(exam, organizations),
        "distribution": stats.distribution(exam, organizations),
        "questions": stats.questions(exam, organizations),
    }
    if export:
        record_event(
            request, "export", user=request.user, detail=f"导出考试统计：{exam}"[:255]
        )
        return _download(_stats_xlsx(context), f"考试统计-{exam.pk}.xlsx", XLSX)
    return render(request, "exams/admin/exam_stats.html", context)


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _stats_xlsx(context) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
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
    book.remove(book.active)
    for title, (header, rows) in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append([safe_cell(v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
