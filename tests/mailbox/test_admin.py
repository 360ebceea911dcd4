"""Admin screens: handlers see only their mailboxes' letters, everything escaped."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from mailbox import services
from mailbox.models import Letter, LetterStatus

from .conftest import png_bytes
from .test_views import XSS


@pytest.fixture
def two_letters(submit, mailbox, other_mailbox):
    mine, _ = submit(
        subject="本信箱来信", files=[SimpleUploadedFile("a.png", png_bytes())]
    )
    theirs, _ = submit(
        subject="别的信箱来信",
        mailbox=other_mailbox,
        files=[SimpleUploadedFile("b.png", png_bytes())],
    )
    return mine, theirs


def test_handler_sees_own_letter_with_masked_contact(client, handler, two_letters):
    mine, _ = two_letters
    client.force_login(handler)
    listing = client.get(reverse("mailbox_letters:index")).content.decode()
    assert "本信箱来信" in listing and "别的信箱来信" not in listing
    assert "李*" in listing and "李四" not in listing
    detail = client.get(reverse("mailbox_letters:inspect", args=[mine.pk]))
    html = detail.content.decode()
    assert "138****5678" in html and "13812345678" not in html


def test_full_contact_view_is_a_logged_post(client, handler, two_letters):
    mine, _ = two_letters
    client.force_login(handler)
    assert (
        client.get(reverse("mailbox_letters:contact", args=[mine.pk])).status_code
        == 405
    )
    html = client.post(
        reverse("mailbox_letters:contact", args=[mine.pk])
    ).content.decode()
    assert "13812345678" in html
    assert mine.events.filter(action="view_contact", actor=handler).count() == 1


@pytest.mark.parametrize(
    "url_name,args",
    [
        ("mailbox_letters:inspect", lambda t: [t.pk]),
        ("mailbox_letters:attachment", lambda t: [t.pk, t.attachments.get().pk]),
    ],
)
def test_other_mailboxes_letters_and_attachments_are_forbidden(
    client, handler, two_letters, url_name, args
):
    _, theirs = two_letters
    client.force_login(handler)
    assert client.get(reverse(url_name, args=args(theirs))).status_code == 403


def test_attachment_id_of_another_letter_is_not_reachable_through_mine(
    client, handler, two_letters
):
    mine, theirs = two_letters
    client.force_login(handler)
    url = reverse(
        "mailbox_letters:attachment", args=[mine.pk, theirs.attachments.get().pk]
    )
    assert client.get(url).status_code == 404


def test_own_attachment_downloads_as_a_sandboxed_attachment(
    client, handler, two_letters
):
    mine, _ = two_letters
    client.force_login(handler)
    response = client.get(
        reverse("mailbox_letters:attachment", args=[mine.pk, mine.attachments.get().pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "action", ["accept", "reject", "transfer", "note", "draft", "close"]
)
def test_actions_on_other_mailboxes_letters_are_forbidden(
    client, handler, two_letters, action
):
    _, theirs = two_letters
    client.force_login(handler)
    response = client.post(
        reverse(f"mailbox_letters:{action}", args=[theirs.pk]),
        {"reason": "duplicate", "text": "x", "body": "x"},
    )
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == LetterStatus.PENDING
    assert not theirs.events.filter(action="note").exists()


def test_contact_of_other_mailboxes_letters_is_forbidden(client, handler, two_letters):
    _, theirs = two_letters
    client.force_login(handler)
    assert (
        client.post(reverse("mailbox_letters:contact", args=[theirs.pk])).status_code
        == 403
    )


def test_search_never_returns_other_mailboxes_letters(client, handler, two_letters):
    _, theirs = two_letters
    client.force_login(handler)
    for query in (theirs.tracking_number, "别的信箱"):
        html = client.get(
            reverse("mailbox_letters:index"), {"q": query}
        ).content.decode()
        assert reverse("mailbox_letters:inspect", args=[theirs.pk]) not in html
        assert "没有符合条件的来信" in html


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_contain_only_own_letters(client, handler, two_letters, fmt):
    mine, theirs = two_letters
    client.force_login(handler)
    response = client.get(reverse("mailbox_letters:index"), {"export": fmt})
    assert response.status_code == 200
    if fmt == "csv":
        text = b"".join(response.streaming_content).decode("utf-8-sig")
    else:
        book = load_workbook(io.BytesIO(response.content))
        text = "\n".join(
            ",".join(str(c) for c in row if c is not None)
            for row in book.active.iter_rows(values_only=True)
        )
    assert mine.tracking_number in text
    assert theirs.tracking_number not in text
    assert "13812345678" not in text


def test_users_without_a_mailbox_get_403_everywhere(client, reviewer, two_letters):
    mine, _ = two_letters
    client.force_login(reviewer)
    for url in (
        reverse("mailbox_letters:index"),
        reverse("mailbox_letters:index") + "?export=csv",
        reverse("mailbox_letters:inspect", args=[mine.pk]),
        reverse("mailbox_admin:statistics"),
    ):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_login(client, two_letters):
    mine, _ = two_letters
    response = client.get(reverse("mailbox_letters:inspect", args=[mine.pk]))
    assert response.status_code == 302


def test_handler_accepts_and_leader_signs_off_through_the_admin(
    client, handler, leader, two_letters
):
    mine, _ = two_letters
    client.force_login(handler)
    client.post(reverse("mailbox_letters:accept", args=[mine.pk]))
    client.post(
        reverse("mailbox_letters:draft", args=[mine.pk]),
        {"body": "已安排延长供应时间。"},
    )
    reply = mine.replies.get()
    forbidden = client.post(
        reverse("mailbox_letters:sign_off", args=[mine.pk]),
        {"reply": reply.pk},
    )
    assert forbidden.status_code == 403
    client.force_login(leader)
    page = client.get(
        reverse("mailbox_letters:inspect", args=[mine.pk])
    ).content.decode()
    assert "签发" in page
    client.post(
        reverse("mailbox_letters:sign_off", args=[mine.pk]),
        {"reply": reply.pk},
    )
    mine.refresh_from_db()
    assert mine.status == LetterStatus.REPLIED


def test_xss_payloads_are_escaped_in_admin_views(client, handler, submit):
    letter, _ = submit(subject=XSS[:40], content=XSS, real_name=XSS[:30], email="")
    services.add_note(letter, by=handler, text=XSS)
    client.force_login(handler)
    for html in (
        client.get(reverse("mailbox_letters:index")).content.decode(),
        client.get(
            reverse("mailbox_letters:inspect", args=[letter.pk])
        ).content.decode(),
        client.post(
            reverse("mailbox_letters:contact", args=[letter.pk])
        ).content.decode(),
    ):
        assert '<script>alert("x")' not in html
        assert "<img src=x" not in html


def test_statistics_for_leaders_with_csv_and_xlsx(client, leader, submit, handler):
    letter, _ = submit()
    services.accept_letter(letter, by=handler)
    services.sign_off_reply(
        services.draft_reply(letter, by=handler, body="好"), by=leader
    )
    services.rate_letter(Letter.objects.get(pk=letter.pk), satisfaction="satisfied")
    submit(letter_type="suggest")
    client.force_login(leader)
    html = client.get(reverse("mailbox_admin:statistics")).content.decode()
    assert "答复率" in html and "按期答复率" in html and "满意率" in html
    assert 'data-testid="kpi-total">2<' in html
    csv_response = client.get(reverse("mailbox_admin:statistics"), {"export": "csv"})
    csv_text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert "合计,全部,2,0,1,50.0,100.0" in csv_text
    xlsx = client.get(reverse("mailbox_admin:statistics"), {"export": "xlsx"})
    rows = list(
        load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True)
    )
    assert rows[1][:3] == ("合计", "全部", 2)


def test_dashboard_shows_the_mailbox_to_do_counts(client, handler, leader, two_letters):
    client.force_login(handler)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "领导信箱待办" in html
    assert "待受理 <strong>1</strong>" in html
