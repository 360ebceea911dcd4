"""The one way the site writes a spreadsheet: CSV and XLSX downloads, audited.

Every export goes through Wagtail's SpreadsheetExportMixin, extended here so that

- a text cell starting with = + - @ tab or CR gets a leading apostrophe in both
  formats (OWASP's advice against CSV injection; Wagtail guards XLSX cells only);
  numbers, dates and empty cells stay what they are;
- a CSV starts with a byte-order mark, so Excel reads its Chinese as UTF-8;
- an XLSX is a plain response with named sheets (several where an export has them);
- the file name may be Chinese (RFC 6266 ``filename*``);
- each export is recorded through ``members.security.record_event`` (user, client
  address, what was exported; optionally the object's history).

A model listing (an IndexView of a ViewSet, or any view over a queryset) mixes in
``ExportMixin`` and sets ``list_export``; anything else (report tables, several
sheets) calls ``export_response`` with ``Sheet``s of headings and rows, which runs the
same mixin. ``export_bytes`` gives the same file as bytes where there is no response
(a management command, a page that embeds the file). Spreadsheets are written
nowhere else (tests/members/test_exports.py greps the project for other writers).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from wagtail.admin.views.mixins import ExcelDateFormatter, SpreadsheetExportMixin

from .security import record_event

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
EXPORT_ACTION = "export"


def safe_cell(value):
    """The value a spreadsheet program shows as text and never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def attachment(filename: str) -> str:
    """A Content-Disposition header for a download with this (Chinese) name."""
    return content_disposition_header(True, filename)


@dataclass
class Sheet:
    """One table of an export: a title (the XLSX sheet's name), headings, rows."""

    headings: Sequence[str]
    rows: Iterable[Sequence]
    title: str = "Sheet1"
    widths: Sequence[float] = ()
    freeze_header: bool = False


class ExportMixin(SpreadsheetExportMixin):
    """Wagtail's spreadsheet export, formula-safe in both formats and audited.

    Set ``list_export`` (and ``export_headings``), ``export_filename`` (may be
    Chinese, without the extension) and ``export_sheet_title``; override
    ``export_audit_detail`` to say what was exported, e.g. ``导出党员 12 人``.
    """

    export_sheet_title = "Sheet1"
    export_column_widths: Sequence[float] = ()
    export_freeze_header = False
    export_audit_instance = None
    export_audit_log_action = ""
    export_audit_data: dict | None = None

    # Cells

    def preprocess_field_value(self, field, value, export_format):
        return safe_cell(super().preprocess_field_value(field, value, export_format))

    def get_heading(self, queryset, field):
        return safe_cell(super().get_heading(queryset, field))

    # CSV: streamed, after a byte-order mark

    def stream_csv(self, queryset):
        yield "\ufeff".encode()  # Wagtail's writer yields UTF-8 bytes
        yield from super().stream_csv(queryset)

    def write_csv_response(self, queryset):
        response = StreamingHttpResponse(
            self.stream_csv(queryset), content_type=CSV_TYPE
        )
        response["Content-Disposition"] = attachment(f"{self.get_filename()}.csv")
        return response

    # XLSX: named sheets, a plain response

    def export_sheets(self, queryset) -> Iterable[tuple[Sheet, object]]:
        """(sheet settings, items) per worksheet; one sheet of the queryset here."""
        yield (
            Sheet(
                headings=(),
                rows=(),
                title=self.export_sheet_title,
                widths=self.export_column_widths,
                freeze_header=self.export_freeze_header,
            ),
            queryset,
        )

    def write_xlsx(self, queryset, output):
        from openpyxl import Workbook
        from openpyxl.utils import get_column_letter

        workbook = Workbook(write_only=True, iso_dates=True)
        date_format = ExcelDateFormatter().get()
        for sheet, items in self.export_sheets(queryset):
            worksheet = workbook.create_sheet(title=sheet.title[:31])
            for index, width in enumerate(sheet.widths, start=1):
                worksheet.column_dimensions[get_column_letter(index)].width = width
            if sheet.freeze_header:
                worksheet.freeze_panes = "A2"
            worksheet.append(
                self.get_heading(items, field) for field in self.list_export
            )
            for item in items:
                worksheet.append(
                    self.generate_xlsx_row(
                        worksheet, self.to_row_dict(item), date_format=date_format
                    )
                )
        workbook.save(output)

    def write_xlsx_response(self, queryset):
        output = io.BytesIO()
        self.write_xlsx(queryset, output)
        response = HttpResponse(output.getvalue(), content_type=XLSX_TYPE)
        response["Content-Disposition"] = attachment(f"{self.get_filename()}.xlsx")
        return response

    # Audit

    def export_audit_detail(self, queryset, spreadsheet_format: str) -> str:
        return f"导出{self.get_filename()}（{spreadsheet_format.upper()}）"

    def as_spreadsheet(self, queryset, spreadsheet_format):
        if spreadsheet_format not in FORMATS:
            raise ValueError(f"unknown export format {spreadsheet_format!r}")
        response = super().as_spreadsheet(queryset, spreadsheet_format)
        record_event(
            self.request,
            EXPORT_ACTION,
            detail=self.export_audit_detail(queryset, spreadsheet_format),
            instance=self.export_audit_instance,
            log_action=self.export_audit_log_action,
            data=self.export_audit_data,
        )
        return response


class _TableExport(ExportMixin):
    """Sheets of headings and rows through the same writer as a model listing."""

    def __init__(
        self,
        request,
        sheets: Sequence[Sheet],
        filename: str = "",
        *,
        audit: str = "",
        instance=None,
        log_action: str = "",
        log_data: dict | None = None,
    ):
        self.request = request
        self.sheets = list(sheets)
        self.export_filename = filename
        self.audit = audit
        self.export_audit_instance = instance
        self.export_audit_log_action = log_action
        self.export_audit_data = log_data
        self._use(self.sheets[0])

    def export_audit_detail(self, queryset, spreadsheet_format):
        return self.audit

    def _use(self, sheet: Sheet) -> None:
        self.list_export = list(range(len(sheet.headings)))
        self.export_headings = dict(enumerate(sheet.headings))

    def get_heading(self, queryset, field):
        return safe_cell(str(self.export_headings[field]))

    def to_row_dict(self, item):
        return dict(zip(self.list_export, item, strict=False))

    def export_sheets(self, queryset):
        for sheet in self.sheets:
            self._use(sheet)
            yield sheet, sheet.rows

    def stream_csv(self, queryset):
        if len(self.sheets) != 1:
            raise ValueError("a CSV holds one sheet")
        return super().stream_csv(self.sheets[0].rows)


def export_response(
    request,
    *,
    sheets: Sequence[Sheet],
    filename: str,
    fmt: str,
    audit: str,
    instance=None,
    log_action: str = "",
    log_data: dict | None = None,
) -> HttpResponse:
    """The sheets as a CSV (one sheet) or XLSX download, recorded as an export.

    ``audit`` is the security log's detail (what was exported); with ``instance``
    and ``log_action`` the export also goes into that object's history.
    """
    view = _TableExport(
        request,
        sheets,
        filename,
        audit=audit,
        instance=instance,
        log_action=log_action,
        log_data=log_data,
    )
    return view.as_spreadsheet(None, fmt)


def export_bytes(sheets: Sequence[Sheet], fmt: str) -> bytes:
    """The same file as bytes, for a caller that audits on its own (a command) or
    embeds the file in a page it records otherwise."""
    view = _TableExport(None, sheets)
    if fmt == "csv":
        return b"".join(view.stream_csv(None))
    if fmt == "xlsx":
        output = io.BytesIO()
        view.write_xlsx(None, output)
        return output.getvalue()
    raise ValueError(f"unknown export format {fmt!r}")
