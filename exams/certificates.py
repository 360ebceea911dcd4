"""结业证书: issuing one when a course is completed, finding one by serial or token,
revoking, and the PDF.

A certificate is issued from the school's CourseCompletion (a post_save handler, and
lazily by ``certificate_for`` for completions recorded before certificates existed),
never from anything the browser says. Serial and token are drawn from the system's
random source: the serial (printed, typed by a reader) carries 60 random bits, the
token (in the QR code) 128; wrong look-ups are rate-limited per address as well.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from home.addresses import absolute_url
from members.ratelimit import Limit, RateLimited, acquire, release

from .models import Attempt, Certificate, Exam

# Crockford's base32 without I, L, O, U: nothing to misread on paper.
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_RANDOM_CHARS = 12  # 60 bits
MAX_CODE_LENGTH = 40

__all__ = ["RateLimited"]


class CertificateError(Exception):
    """A request about a certificate refused; the message is shown as it is."""


def new_serial(year: int) -> str:
    """``DX2026-7K3M-9QXD-2HPA``: the year, then 12 random characters in groups."""
    body = "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_RANDOM_CHARS))
    groups = "-".join(body[i : i + 4] for i in range(0, SERIAL_RANDOM_CHARS, 4))
    return f"DX{year}-{groups}"


SERIAL_RE = re.compile(r"DX\d{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}")


def normalise_code(code: str) -> str:
    """A typed serial as stored (upper case, O→0, I/L→1, spaces dropped); a token
    as it is."""
    code = (code or "").strip()
    typed = code.upper().replace(" ", "").translate(str.maketrans("OIL", "011"))
    return typed if SERIAL_RE.fullmatch(typed) else code


def issuer_for(member) -> str:
    configured = getattr(settings, "PORTAL_EXAMS_CERTIFICATE_ISSUER", "")
    if configured:
        return configured
    organization = member.organization
    if organization is None:
        return "网上党校"
    return organization.get_root().name


def issue_certificate(completion) -> Certificate:
    """The certificate of this course completion, issued if there is none yet."""
    existing = Certificate.objects.filter(
        member_id=completion.member_id, course_id=completion.course_id
    ).first()
    if existing is not None:
        return existing
    member = completion.member
    course = completion.course
    completed_on = timezone.localdate(completion.completed_at)
    with_exam = Attempt.objects.filter(
        exam__course_id=course.pk,
        exam__kind=Exam.Kind.FINAL,
        member_id=member.pk,
        passed=True,
    ).exists()
    for _ in range(5):
        try:
            with transaction.atomic():
                return Certificate.objects.create(
                    serial=new_serial(completed_on.year),
                    token=secrets.token_urlsafe(24),
                    member=member,
                    course=course,
                    organization=member.organization,
                    member_name=member.real_name,
                    course_title=course.title,
                    credit_hours=completion.credit_hours,
                    completed_on=completed_on,
                    with_exam=with_exam,
                    issuer=issuer_for(member),
                )
        except IntegrityError:
            # The same completion issued by a parallel request, or (never in
            # practice) a serial drawn twice: look again, else draw again.
            existing = Certificate.objects.filter(
                member_id=member.pk, course_id=course.pk
            ).first()
            if existing is not None:
                return existing
    raise CertificateError("证书编号生成失败，请稍后再试。")


def certificate_for(member, course) -> Certificate | None:
    """The member's certificate of a course they completed (issued now if the
    completion predates certificates); None if they have not completed it."""
    from school.models import CourseCompletion

    found = Certificate.objects.filter(member=member, course=course).first()
    if found is not None:
        return found
    completion = (
        CourseCompletion.objects.filter(member=member, course=course)
        .select_related("member__organization", "course")
        .first()
    )
    return issue_certificate(completion) if completion else None


def verification_url(certificate: Certificate, request=None) -> str:
    path = reverse("exams:certificate_verify", args=[certificate.token])
    return absolute_url(path, request)


def _lookup_limits(ip: str | None) -> list[Limit]:
    limit, window = settings.PORTAL_EXAMS_CERTIFICATE_LOOKUPS_PER_IP
    return [Limit("certificate-lookup-ip", ip, limit, window)] if ip else []


def find_certificate(code: str, *, ip: str | None) -> Certificate | None:
    """The certificate with this serial or token, or None. Every look-up takes a
    slot of the address's limit and a found one gives it back, so only misses
    count: guessing is slow, readers who scan real codes never wait."""
    code = normalise_code(code)
    if not code or len(code) > MAX_CODE_LENGTH:
        return None
    limits = _lookup_limits(ip)
    if not acquire(*limits):
        raise RateLimited("查询过于频繁，请稍后再试。")
    field = "serial" if SERIAL_RE.fullmatch(code) else "token"
    found = (
        Certificate.objects.filter(**{field: code})
        .select_related("organization")
        .first()
    )
    if found is not None:
        release(*limits)
    return found


def revoke_certificate(certificate: Certificate, *, by, reason: str) -> Certificate:
    """Mark the certificate revoked (once), with who and why; audited."""
    from wagtail.log_actions import log

    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("请填写撤销原因。")
    if len(reason) > 200:
        raise CertificateError("撤销原因不能超过 200 字。")
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.is_revoked:
            raise CertificateError("这张证书已经撤销。")
        locked.revoked_at = timezone.now()
        locked.revoked_by = by
        locked.revoke_reason = reason
        locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        log(
            instance=locked,
            action="exams.certificate_revoke",
            user=by,
            data={"serial": locked.serial, "reason": reason},
        )
    return locked


# ---- PDF ---------------------------------------------------------------------------

FONT_DIRS = [Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts")]
SERIF = ("NotoSerifCJK-Regular.ttc", "NotoSerifCJK-Bold.ttc")
SIMPLIFIED_CHINESE_FACE = "Noto Serif CJK SC"


def _find_font(filename: str) -> Path:
    configured = getattr(settings, "PORTAL_EXAMS_CERTIFICATE_FONT_DIR", "")
    for folder in ([Path(configured)] if configured else []) + FONT_DIRS:
        for candidate in [folder / filename, *folder.rglob(filename)]:
            if candidate.is_file():
                return candidate
    raise CertificateError(
        "服务器缺少中文字体（fonts-noto-cjk），暂时无法生成证书，请联系站点管理员。"
    )


@functools.cache
def _face_index(path: Path) -> int:
    """Which face of the collection is the Simplified Chinese one."""
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    for index, font in enumerate(collection.fonts):
        if font["name"].getDebugName(1) == SIMPLIFIED_CHINESE_FACE:
            return index
    return 0


def _qr_png(url: str) -> io.BytesIO:
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=10, border=2)
    buffer.seek(0)
    return buffer


RED = (178, 34, 34)
GOLD = (191, 144, 0)
INK = (40, 40, 40)


# A rendered PDF is kept this long. Rendering reads two CJK fonts of about 20 MB each
# and subsets them, over a second of CPU; a member who downloads again, or anyone
# requesting the same PDF over and over, gets the stored bytes instead.
PDF_CACHE_SECONDS = 24 * 60 * 60


def pdf_for(certificate: Certificate, request=None) -> bytes:
    """render_pdf's bytes, from the cache when the same PDF was rendered before: the
    key is a digest of everything the page prints, the verification link included,
    so a changed field or site address renders afresh. Revocation is checked by the
    caller, before this."""
    printed = [
        certificate.serial,
        certificate.member_name,
        certificate.course_title,
        str(certificate.credit_hours),
        certificate.completed_on.isoformat(),
        str(certificate.with_exam),
        certificate.issuer,
        certificate.issued_at.isoformat(),
        verification_url(certificate, request),
    ]
    digest = hashlib.sha256("\x1f".join(printed).encode()).hexdigest()
    key = f"exams:certificate-pdf:{digest}"
    data = cache.get(key)
    if data is None:
        data = render_pdf(certificate, request)
        cache.set(key, data, PDF_CACHE_SECONDS)
    return data


def render_pdf(certificate: Certificate, request=None) -> bytes:
    """The certificate as an A4 landscape PDF with the CJK font embedded (subset)."""
    from fpdf import FPDF

    # fontTools logs every subsetting step at INFO.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    regular, bold = (_find_font(name) for name in SERIF)
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"结业证书 {certificate.serial}")
    pdf.set_author(certificate.issuer)
    pdf.set_creator("网上党校")
    pdf.set_auto_page_break(False)
    pdf.add_font("serif", "", str(regular), collection_font_number=_face_index(regular))
    pdf.add_font("serif", "B", str(bold), collection_font_number=_face_index(bold))
    pdf.add_page()
    width, height = pdf.w, pdf.h

    # Double frame.
    pdf.set_draw_color(*RED)
    pdf.set_line_width(2.2)
    pdf.rect(10, 10, width - 20, height - 20)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.6)
    pdf.rect(15, 15, width - 30, height - 30)

    pdf.set_text_color(*RED)
    pdf.set_font("serif", "B", 40)
    pdf.set_xy(20, 34)
    pdf.cell(width - 40, 20, "结 业 证 书", align="C")

    pdf.set_text_color(*INK)
    pdf.set_font("serif", "B", 20)
    pdf.set_xy(40, 70)
    pdf.cell(width - 80, 12, f"{certificate.member_name} 同志：")
    completed = certificate.completed_on
    hours = f"{certificate.credit_hours.normalize():f}"
    passed = "并通过结业考试" if certificate.with_exam else ""
    body = (
        f"于 {completed.year} 年 {completed.month} 月 {completed.day} 日完成网上党校课程"
        f"《{certificate.course_title}》的学习{passed}，计 {hours} 学时。特发此证。"
    )
    pdf.set_font("serif", "", 17)
    pdf.set_xy(52, 88)
    pdf.multi_cell(width - 104, 12, "　　" + body, align="L", wrapmode="CHAR")

    # Issuer and date, bottom right.
    pdf.set_font("serif", "B", 16)
    pdf.set_xy(width - 150, height - 68)
    pdf.cell(110, 10, certificate.issuer, align="R")
    issued = timezone.localdate(certificate.issued_at)
    pdf.set_font("serif", "", 14)
    pdf.set_xy(width - 150, height - 57)
    pdf.cell(110, 10, f"{issued.year} 年 {issued.month} 月 {issued.day} 日", align="R")

    # Serial and QR code, bottom left.
    url = verification_url(certificate, request)
    pdf.image(_qr_png(url), x=30, y=height - 78, w=38, h=38)
    pdf.set_font("serif", "", 11)
    pdf.set_xy(72, height - 70)
    pdf.cell(120, 7, f"证书编号：{certificate.serial}")
    pdf.set_xy(72, height - 62)
    pdf.cell(120, 7, "扫描二维码或在本站输入证书编号核验真伪")
    pdf.set_font("serif", "", 8)
    pdf.set_xy(72, height - 54)
    pdf.cell(120, 6, url)
    return bytes(pdf.output())
