"""Mailboxes with a handler and a leader each, and a helper that submits letters."""

import io

import pytest
from PIL import Image

from mailbox import services
from tests.mailbox.factories import MailboxFactory
from tests.members.factories import MemberFactory, make_staff_user

STRONG = "Str0ng-pass-2026"


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.PORTAL_MAILBOX_FILES_ROOT = tmp_path / "mailbox-files"
    return settings.PORTAL_MAILBOX_FILES_ROOT


@pytest.fixture(autouse=True)
def fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def handler(db):
    return make_staff_user(
        "信箱办理人", username="handler1", email="handler1@example.org"
    )


@pytest.fixture
def other_handler(db):
    return make_staff_user(
        "信箱办理人", username="handler2", email="handler2@example.org"
    )


@pytest.fixture
def leader(db):
    return make_staff_user("领导", username="leader1", email="leader1@example.org")


@pytest.fixture
def other_leader(db):
    return make_staff_user("领导", username="leader2", email="leader2@example.org")


@pytest.fixture
def reviewer(db, shipped_data):
    return make_staff_user(
        "审核员", username="reviewer1", email="reviewer1@example.org"
    )


@pytest.fixture
def shipped_data(db):
    """The calendar and topics the data migration ships.

    A browser test's flush (in the same worker) removes data-migration rows, so
    tests that rely on them load them again.
    """
    from mailbox.calendar_data import calendar_rows
    from mailbox.models import BoardCategory, CalendarDay

    rows = calendar_rows()
    if CalendarDay.objects.count() < len(rows):
        for day, is_working_day, name, provisional in rows:
            CalendarDay.objects.get_or_create(
                date=day,
                defaults={
                    "is_working_day": is_working_day,
                    "name": name,
                    "provisional": provisional,
                },
            )
    for order, name in enumerate(
        ["党建工作", "学习教育", "意见建议", "服务保障", "其他"]
    ):
        BoardCategory.objects.get_or_create(name=name, defaults={"sort_order": order})


@pytest.fixture
def mailbox(handler, leader, shipped_data):
    return MailboxFactory(name="党委书记信箱", handlers=[handler], leaders=[leader])


@pytest.fixture
def other_mailbox(other_handler, other_leader):
    return MailboxFactory(
        name="总经理信箱", handlers=[other_handler], leaders=[other_leader]
    )


@pytest.fixture
def member(db, shipped_data):
    return MemberFactory(real_name="孙明")


def letter_data(mailbox, **overrides) -> services.LetterData:
    fields = {
        "mailbox": mailbox,
        "letter_type": "consult",
        "subject": "关于党费缴纳标准的咨询",
        "content": "请问退休党员的党费按什么基数计算？",
        "real_name": "李四",
        "phone": "13812345678",
        "email": "writer@example.org",
        "consent_public": True,
        "privacy_accepted": True,
    }
    fields.update(overrides)
    return services.LetterData(**fields)


@pytest.fixture
def submit(mailbox):
    """submit(files=[...], **fields) -> (letter, code)."""

    def make(files=(), ip="192.0.2.10", user=None, **fields):
        box = fields.pop("mailbox", mailbox)
        return services.submit_letter(
            letter_data(box, **fields), files=list(files), ip=ip, user=user
        )

    return make


def png_bytes(size=(40, 30), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def pdf_bytes(text: str = "hello") -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def docx_bytes(text: str = "来信附件正文") -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
