"""Member import and export (CSV and XLSX, Chinese header row), shared by admin and commands.

Import rules: the header row names the columns (see COLUMN_ALIASES); a row matches an
existing member by 党员编号, else by phone; empty cells never erase stored values; each
good row is written in its own transaction, bad rows are reported (row number and the
problem in Chinese) and skipped, so re-running the same file changes nothing.

A 组织管理员's import sees only their scope: organisations are looked up within it, and
a row whose 党员编号, phone or login account belongs to anyone outside it gets one
neutral message (OUT_OF_SCOPE_CONFLICT) that names no one and does not say whether
another branch holds the record.

The optional 电子邮箱 column gives the member's account an address (for activation
e-mails and password reset). An address is used by one account only: a second row
with it in the file is refused, and so is an address another account already has
(named when that member is in the importer's scope, neutral EMAIL_CONFLICT otherwise).
"""

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .exports import FORMULA_START, Sheet, export_bytes
from .fields import lookup_digest
from .models import Member, Organization
from .phones import normalise_phone
from .scopes import (
    can_manage_member,
    can_manage_organization,
    is_site_admin,
    organizations_for,
)
from .services import MemberDataError, create_member, update_member

EXPORT_HEADERS = [
    "姓名",
    "党员编号",
    "手机号",
    "所在党组织",
    "组织编码",
    "党内职务",
    "入党日期",
    "电子邮箱",
]

COLUMN_ALIASES = {
    "姓名": "real_name",
    "党员姓名": "real_name",
    "党员编号": "member_no",
    "编号": "member_no",
    "手机号": "phone",
    "手机": "phone",
    "手机号码": "phone",
    "联系电话": "phone",
    "所在党组织": "organization",
    "党组织": "organization",
    "所在支部": "organization",
    "组织编码": "organization_code",
    "党内职务": "party_post",
    "职务": "party_post",
    "入党日期": "joined_party_on",
    "入党时间": "joined_party_on",
    "电子邮箱": "email",
    "邮箱": "email",
    "电子邮件": "email",
    "Email": "email",
    "email": "email",
    "E-mail": "email",
    "e-mail": "email",
}
UPDATABLE_FIELDS = [
    "real_name",
    "member_no",
    "phone",
    "organization",
    "party_post",
    "joined_party_on",
    "email",
]
MAX_ROWS = 20_000
MAX_COLUMNS = 50
HEADER_SEARCH_ROWS = 5
PARTY_FOUNDED = date(1921, 7, 1)
_DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"]
# Records often give only the month of joining; it is stored as the 1st.
_MONTH_FORMATS = ["%Y-%m", "%Y/%m", "%Y.%m", "%Y年%m月"]
OUT_OF_SCOPE_CONFLICT = (
    "该党员编号或手机号无法在您管理的组织内使用，请核对；如确属本组织党员，"
    "请联系上级组织管理员"
)

EMAIL_CONFLICT = (
    "该电子邮箱已被其他账号使用，无法用于本行党员，请核对；如确属本人，"
    "请联系上级组织管理员"
)
EMAIL_MAX_LENGTH = 254

Progress = Callable[[Iterable, int], Iterable]


class ImportFileError(ValueError):
    """The whole file cannot be read (format, encoding, header); message in Chinese."""


@dataclass
class RowProblem:
    row: int
    message: str

    def __str__(self):
        return f"第 {self.row} 行：{self.message}"


@dataclass
class ImportReport:
    """What an import did: counts and one problem per rejected row."""

    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.problems)

    def summary(self) -> str:
        return (
            f"共 {self.total} 行：新增 {self.created}，更新 {self.updated}，"
            f"无变化 {self.unchanged}，失败 {self.failed}"
        )


# Reading files


def read_table(
    data: bytes,
    filename: str,
    *,
    is_header: Callable[[list[str]], bool] | None = None,
    columns_hint: str = "姓名、党员编号、手机号……",
) -> tuple[list[str], list[tuple[int, list]]]:
    """Header cells and (row number, cells) of the first sheet of a CSV or XLSX file.

    is_header tells the header row from title lines above it (the member columns by
    default); columns_hint names the expected columns when the file is empty.
    """
    is_header = is_header or _is_header
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _read_xlsx(data)
    elif name.endswith((".csv", ".txt")):
        rows = _read_csv(data)
    elif name.endswith(".xls"):
        raise ImportFileError("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV")
    else:
        raise ImportFileError("只支持 CSV 或 XLSX 文件")
    header = None
    candidates = []
    body = []
    for number, cells in rows:
        texts = [_text(c) for c in cells]
        if header is None:
            # A title line such as 「红星集团党员名单」 may sit above the header row.
            if any(texts):
                candidates.append(texts)
                if is_header(texts) or len(candidates) > HEADER_SEARCH_ROWS:
                    header = texts
            continue
        if any(texts):
            body.append((number, list(cells)))
            if len(body) > MAX_ROWS:
                raise ImportFileError(f"文件超过 {MAX_ROWS} 行，请分批导入")
    if header is None:
        if not candidates:
            raise ImportFileError(f"文件是空的：第一行应为表头（{columns_hint}）")
        header = candidates[0]
    return header, body


def _is_header(texts: list[str]) -> bool:
    return any(COLUMN_ALIASES.get(re.sub(r"\s", "", t)) == "real_name" for t in texts)


def decode_csv_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (which covers GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            "无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV"
        ) from exc


def _read_csv(data: bytes) -> Iterator[tuple[int, list]]:
    text = decode_csv_bytes(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells[:MAX_COLUMNS]
    except csv.Error as exc:
        raise ImportFileError(
            f"CSV 格式错误（第 {reader.line_num} 行附近）：{exc}"
        ) from exc


def _read_xlsx(data: bytes) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError(
            "无法读取该 Excel 文件，请确认是 .xlsx 格式且未损坏"
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        for number, cells in enumerate(rows, start=1):
            yield number, list(cells)
    finally:
        workbook.close()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_START:
        text = text[1:]
    return text


def map_header(header: list[str]) -> dict[str, int]:
    """Field name -> column index; raises ImportFileError if 姓名 or an id column is missing."""
    columns = {}
    for index, title in enumerate(header):
        key = COLUMN_ALIASES.get(re.sub(r"\s", "", title))
        if key and key not in columns:
            columns[key] = index
    missing = []
    if "real_name" not in columns:
        missing.append("姓名")
    if "organization" not in columns and "organization_code" not in columns:
        missing.append("所在党组织（或组织编码）")
    if "member_no" not in columns and "phone" not in columns:
        missing.append("党员编号或手机号")
    if missing:
        raise ImportFileError(
            "表头缺少必需的列："
            + "、".join(missing)
            + "。表头应为："
            + "、".join(EXPORT_HEADERS)
        )
    return columns


# Parsing one row


def parse_join_date(value) -> date | None:
    """A date cell or text like 2005-07-01, 2005/7/1, 2005年7月1日; ValueError in Chinese."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    else:
        text = _text(value)
        if not text:
            return None
        parsed = None
        for fmt in _DATE_FORMATS + _MONTH_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if parsed is None:
            raise ValueError(
                f"入党日期「{text}」无法识别，请写成 2005-07-01 这样的格式"
            )
    if parsed > timezone.localdate():
        raise ValueError(f"入党日期「{parsed:%Y-%m-%d}」晚于今天")
    if parsed < PARTY_FOUNDED:
        raise ValueError(f"入党日期「{parsed:%Y-%m-%d}」早于 1921 年 7 月 1 日")
    return parsed


class _Organizations:
    """Resolves 所在党组织 cells by 组织编码 first, then by unique name, among the
    organisations the importer may manage (all of them when scope is None)."""

    def __init__(self, scope: QuerySet[Organization] | None = None):
        self.where = "" if scope is None else "在您管理的范围内"
        self.by_code = {}
        self.by_name: dict[str, list[Organization]] = {}
        for org in Organization.objects.all() if scope is None else scope:
            self.by_code[org.code] = org
            self.by_name.setdefault(org.name, []).append(org)

    def resolve(self, name: str, code: str) -> Organization:
        if code:
            if code in self.by_code:
                return self.by_code[code]
            raise ValueError(f"{self.where}找不到组织编码为「{code}」的党组织")
        if not name:
            raise ValueError("未填写所在党组织")
        if name in self.by_code:
            return self.by_code[name]
        matches = self.by_name.get(name, [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ValueError(f"有多个党组织名为「{name}」，请改填组织编码")
        raise ValueError(f"{self.where}找不到党组织「{name}」")


def parse_email(value) -> str:
    """An e-mail address cell ('' when empty); ValueError in Chinese when malformed."""
    text = _text(value)
    if not text:
        return ""
    if len(text) > EMAIL_MAX_LENGTH:
        raise ValueError(f"电子邮箱超过 {EMAIL_MAX_LENGTH} 个字符")
    try:
        validate_email(text)
    except ValidationError:
        raise ValueError(
            f"电子邮箱「{text[:60]}」格式不正确，应写成 name@example.com 这样的形式"
        ) from None
    return text


def _limit(value: str, length: int, label: str) -> str:
    if len(value) > length:
        raise ValueError(f"{label}超过 {length} 个字")
    return value


def _parse_row(cells: list, columns: dict[str, int], orgs: _Organizations) -> dict:
    def cell(key):
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    problems = []
    values = {}
    values["real_name"] = _limit(_text(cell("real_name")), 50, "姓名")
    if not values["real_name"]:
        problems.append("姓名为空")
    values["member_no"] = _limit(_text(cell("member_no")), 40, "党员编号")
    values["party_post"] = _limit(_text(cell("party_post")), 50, "党内职务")
    for key, parse in [
        ("phone", normalise_phone),
        ("joined_party_on", parse_join_date),
        ("email", parse_email),
    ]:
        try:
            values[key] = parse(cell(key))
        except ValueError as exc:
            problems.append(str(exc))
    try:
        values["organization"] = orgs.resolve(
            _text(cell("organization")), _text(cell("organization_code"))
        )
    except ValueError as exc:
        problems.append(str(exc))
    if not values["member_no"] and not values.get("phone"):
        problems.append("党员编号和手机号至少填写一项")
    if problems:
        raise ValueError(";".join(problems))
    return values


# Importing


def import_members(
    data: bytes, filename: str, *, by=None, progress: Progress | None = None
) -> ImportReport:
    """Create or update members from a CSV/XLSX file; by limits rows to that user's scope."""
    header, rows = read_table(data, filename)
    columns = map_header(header)
    scoped = by is not None and not is_site_admin(by)
    orgs = _Organizations(organizations_for(by) if scoped else None)
    report = ImportReport(total=len(rows))
    seen: dict[tuple[str, str], int] = {}
    iterator = progress(rows, len(rows)) if progress else rows
    for number, cells in iterator:
        try:
            values = _parse_row(cells, columns, orgs)
            _check_duplicates_in_file(values, number, seen)
            outcome = _write_row(values, by=by)
        except (ValueError, PermissionDenied) as exc:
            report.problems.append(RowProblem(number, str(exc) or "无权操作"))
            continue
        except IntegrityError:
            report.problems.append(
                RowProblem(
                    number,
                    OUT_OF_SCOPE_CONFLICT
                    if scoped
                    else "与已有数据冲突（党员编号、手机号或账号重复）",
                )
            )
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _check_duplicates_in_file(values: dict, number: int, seen: dict) -> None:
    keys = []
    if values["member_no"]:
        keys.append(("党员编号", values["member_no"]))
    if values["phone"]:
        keys.append(("手机号", values["phone"]))
    if values.get("email"):
        keys.append(("电子邮箱", values["email"].casefold()))
    for label, value in keys:
        if (label, value) in seen:
            raise ValueError(f"与第 {seen[(label, value)]} 行重复（{label}相同）")
    for key in keys:
        seen[key] = number


class OutOfScopeConflict(MemberDataError):
    """The row's identifiers belong to someone the importer may not see."""

    def __init__(self):
        super().__init__(OUT_OF_SCOPE_CONFLICT)


def _find_existing(values: dict, *, by) -> Member | None:
    by_no = by_phone = None
    if values["member_no"]:
        by_no = Member.objects.filter(member_no=values["member_no"]).first()
    if values["phone"]:
        by_phone = Member.objects.filter(
            phone_digest=lookup_digest(values["phone"])
        ).first()
    if by is not None and any(
        m is not None and not can_manage_member(by, m) for m in (by_no, by_phone)
    ):
        raise OutOfScopeConflict
    if by_no and by_phone and by_no.pk != by_phone.pk:
        raise MemberDataError(
            f"党员编号属于「{by_no.real_name}」，手机号却属于「{by_phone.real_name}」，请核对"
        )
    return by_no or by_phone


def _check_email_free(email: str, existing: Member | None, *, by) -> None:
    """Refuse an address another account has; name its member only within scope."""
    if not email:
        return
    others = get_user_model().objects.filter(email__iexact=email)
    if existing is not None:
        others = others.exclude(pk=existing.user_id)
    other = others.select_related("member", "member__organization").first()
    if other is None:
        return
    member = getattr(other, "member", None)
    visible = member is not None and (by is None or can_manage_member(by, member))
    if visible and not (other.is_staff or other.is_superuser):
        raise MemberDataError(f"电子邮箱已被党员「{member.real_name}」使用")
    raise MemberDataError(EMAIL_CONFLICT)


def _write_row(values: dict, *, by) -> str:
    scoped = by is not None and not is_site_admin(by)
    with transaction.atomic():
        if by is not None and not can_manage_organization(by, values["organization"]):
            raise PermissionDenied(f"无权向「{values['organization'].name}」导入党员")
        existing = _find_existing(values, by=by)
        _check_email_free(values.get("email", ""), existing, by=by)
        if existing is None:
            try:
                create_member(**values, by=by)
            except MemberDataError:
                # Number and phone are free (checked above): a login account clashes.
                if scoped:
                    raise OutOfScopeConflict from None
                raise
            return "created"
        changes = {
            key: values[key]
            for key in UPDATABLE_FIELDS
            if values[key] not in ("", None) and values[key] != _current(existing, key)
        }
        if not changes:
            return "unchanged"
        update_member(existing, by=by, **changes)
        return "updated"


def _current(member: Member, key: str):
    value = member.user.email if key == "email" else getattr(member, key)
    return value if value is not None else ""


# Exporting


def export_rows(members: QuerySet[Member]) -> Iterator[list]:
    """One row per member in the import columns, header first."""
    yield EXPORT_HEADERS
    for member in members.for_listing().order_by("organization__path", "real_name"):
        yield [
            member.real_name,
            member.member_no or "",
            member.phone or "",
            member.organization.name,
            member.organization.code,
            member.party_post,
            member.joined_party_on.isoformat() if member.joined_party_on else "",
            member.user.email,
        ]


EXPORT_WIDTHS = [10, 14, 14, 24, 14, 12, 12, 26]


def export_sheet(members: QuerySet[Member]) -> Sheet:
    """The members in the import columns, for members.exports."""
    rows = export_rows(members)
    return Sheet(next(rows), rows, title="党员", widths=EXPORT_WIDTHS)


def cell_text(value) -> str:
    """A cell read back as text (numbers without .0, the formula guard removed)."""
    return _text(value)


def export_members(members: QuerySet[Member], fmt: str) -> bytes:
    """The members as a CSV (UTF-8 with BOM, opens in Excel) or XLSX file."""
    return export_bytes([export_sheet(members)], fmt)


def export_detail(count: int, fmt: str, scope: str) -> str:
    """What the security log says of a members export."""
    return f"导出党员 {count} 人（{fmt.upper()}，范围：{scope}）"
