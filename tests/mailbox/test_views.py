"""The public letter pages: writing, the one-time receipt, tracking and its limits."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mailbox import services
from mailbox.models import Letter, LetterStatus
from tests.home import pdf_samples

from .conftest import pdf_bytes, png_bytes

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _post_letter(client, mailbox, **overrides):
    data = {
        "mailbox": mailbox.pk,
        "letter_type": "consult",
        "subject": "食堂就餐时间咨询",
        "content": "能否延长午餐供应时间？",
        "real_name": "王五",
        "phone": "13900001111",
        "email": "",
        "privacy": "on",
        "consent_public": "on",
        "submission_token": services.new_submission_token(),
        "website": "",
    }
    data.update(overrides)
    return client.post(reverse("mailbox:write"), data)


def test_write_page_lists_types_privacy_notice_and_contact_advice(client, mailbox):
    response = client.get(reverse("mailbox:write"))
    html = response.content.decode()
    for word in ("咨询", "建议", "投诉", "求助", "举报", "个人信息保护", "保存期限"):
        assert word in html
    assert "无法单独答复" in html
    assert 'name="website"' in html  # honeypot


def test_letter_with_attachment_shows_number_and_code_once(client, mailbox):
    response = _post_letter(
        client, mailbox, attachments=[SimpleUploadedFile("a.pdf", pdf_bytes())]
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mailbox:sent")
    receipt = client.get(response["Location"])
    html = receipt.content.decode()
    number = re.search(r'data-testid="tracking-number">([^<]+)<', html).group(1)
    code = re.search(r'data-testid="query-code">([^<]+)<', html).group(1)
    letter = Letter.objects.get(tracking_number=number)
    assert letter.attachments.count() == 1
    assert code not in letter.query_code_hash
    assert "no-store" in receipt["Cache-Control"]
    again = client.get(reverse("mailbox:sent"))
    assert again.status_code == 410
    assert code not in again.content.decode()


def test_form_errors_keep_nothing(client, mailbox):
    response = _post_letter(client, mailbox, subject="x" * 41, privacy="")
    assert response.status_code == 200
    assert "请阅读并同意" in response.content.decode()
    assert Letter.objects.count() == 0


def test_lying_upload_is_refused_with_a_chinese_message(client, mailbox):
    fake = SimpleUploadedFile("a.pdf", b"<html><script>alert(1)</script>")
    response = _post_letter(client, mailbox, attachments=[fake])
    assert "不是 PDF" in response.content.decode()
    assert Letter.objects.count() == 0


@pytest.mark.parametrize(
    ("sample", "found"),
    [
        ("escaped_javascript", "JavaScript 脚本"),
        ("escaped_launch", "启动程序或打开文件的动作（Launch）"),
        ("object_stream_javascript", "JavaScript 脚本"),
        ("embedded_file", "嵌入的文件或文件附件"),
    ],
)
def test_pdf_with_active_content_is_refused_and_the_letter_kept(
    client, mailbox, sample, found
):
    pdf = getattr(pdf_samples, sample)()
    response = _post_letter(
        client,
        mailbox,
        subject="关于活动经费的建议",
        content="建议公开主题党日活动经费明细。",
        attachments=[
            SimpleUploadedFile("a.png", png_bytes()),
            SimpleUploadedFile("材料.pdf", pdf),
        ],
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f"附件“材料.pdf”含有不允许的内容：{found}" in html
    # The rest of the letter is still in the form, ready to send again.
    assert 'value="关于活动经费的建议"' in html
    assert "建议公开主题党日活动经费明细。" in html
    assert 'value="王五"' in html
    assert Letter.objects.count() == 0


def test_unreadable_pdf_is_refused_with_a_message(client, mailbox):
    broken = SimpleUploadedFile("a.pdf", b"%PDF-1.7\n1 0 obj <<\n%%EOF\n")
    response = _post_letter(client, mailbox, attachments=[broken])
    assert "附件“a.pdf”无法解析" in response.content.decode()
    assert Letter.objects.count() == 0


def test_more_than_three_attachments_are_refused(client, mailbox):
    files = [SimpleUploadedFile(f"{i}.png", png_bytes()) for i in range(4)]
    response = _post_letter(client, mailbox, attachments=files)
    assert "附件最多 3 个" in response.content.decode()
    assert Letter.objects.count() == 0


def test_honeypot_stores_nothing_and_loses_nothing(client, mailbox):
    """Filled in (a bot, or a browser's autofill), the anti-spam field stores nothing,
    and the form comes back with the letter, the field emptied and a message, so
    sending it again goes through (issue 14, point 6)."""
    response = _post_letter(client, mailbox, website="http://spam.example")
    html = response.content.decode()
    assert response.status_code == 200
    assert Letter.objects.count() == 0
    assert "表单里有一栏应当留空" in html
    assert 'value="食堂就餐时间咨询"' in html and "能否延长午餐供应时间" in html
    trap = re.search(r'<div class="form-trap" inert aria-hidden="true">.*?</div>', html)
    assert trap and 'tabindex="-1"' in trap.group(0)
    assert "spam.example" not in trap.group(0)
    _post_letter(client, mailbox)
    assert Letter.objects.count() == 1


def test_oversized_body_is_refused_before_parsing(client, mailbox):
    response = client.post(
        reverse("mailbox:write"),
        data=b"x" * 10,
        content_type="multipart/form-data; boundary=zzz",
        CONTENT_LENGTH=str(40 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert Letter.objects.count() == 0


def test_oversized_text_field_is_refused(client, mailbox):
    response = _post_letter(client, mailbox, content="长" * 3001)
    assert response.status_code == 200
    assert Letter.objects.count() == 0


def test_csrf_is_enforced_on_the_letter_form(mailbox):
    client = Client(enforce_csrf_checks=True)
    response = _post_letter(client, mailbox)
    assert response.status_code == 403
    assert Letter.objects.count() == 0


def test_csrf_is_enforced_on_tracking(mailbox):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("mailbox:track"), {"number": "x", "code": "y"})
    assert response.status_code == 403


def _track(client, number, code, **extra):
    return client.post(
        reverse("mailbox:track"), {"number": number, "code": code}, **extra
    )


def test_tracking_shows_status_history_and_only_signed_replies(
    client, submit, handler, leader
):
    letter, code = submit()
    services.accept_letter(letter, by=handler)
    reply = services.draft_reply(letter, by=handler, body="草稿答复内容")
    response = _track(client, letter.tracking_number, code)
    assert response.status_code == 302
    page = client.get(reverse("mailbox:track")).content.decode()
    assert "办理中" in page and "已受理" in page
    assert "草稿答复内容" not in page
    services.sign_off_reply(reply, by=leader)
    page = client.get(reverse("mailbox:track")).content.decode()
    assert "草稿答复内容" in page
    assert "评价答复" in page


def test_wrong_number_and_wrong_code_get_the_same_answer(client, submit):
    letter, code = submit()
    wrong_code = _track(client, letter.tracking_number, "AAAA-BBBB-CCCC-DDDD")
    wrong_number = _track(client, "20261121-0000-00000", code)
    assert wrong_code.status_code == wrong_number.status_code == 404
    # Apart from echoing what was typed, the two pages are identical.
    strip = lambda r: re.sub(r' value="[^"]*"', "", r.content.decode())  # noqa: E731
    assert strip(wrong_code) == strip(wrong_number)


def test_five_wrong_codes_lock_that_address_out_of_the_number(client, submit):
    letter, code = submit()
    for _ in range(5):
        _track(client, letter.tracking_number, "WRONG", REMOTE_ADDR="203.0.113.5")
    response = _track(client, letter.tracking_number, code, REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 429
    assert "15 分钟" in response.content.decode()


def test_a_stranger_burning_the_tries_does_not_lock_the_writer_out(client, submit):
    letter, code = submit()
    for i in range(30):
        _track(client, letter.tracking_number, "WRONG", REMOTE_ADDR=f"203.0.113.{i}")
    response = _track(client, letter.tracking_number, code, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302


def test_wrong_tries_across_numbers_lock_the_ip(client, submit, settings):
    letter, code = submit()
    for i in range(settings.PORTAL_MAILBOX_TRACK_ATTEMPTS_PER_IP):
        number = f"202611{i:02d}-AAAA-BBBBC"
        _track(client, number, "WRONG", REMOTE_ADDR="203.0.113.7")
    assert (
        _track(
            client, letter.tracking_number, code, REMOTE_ADDR="203.0.113.7"
        ).status_code
        == 429
    )
    assert (
        _track(
            client, letter.tracking_number, code, REMOTE_ADDR="203.0.113.8"
        ).status_code
        == 302
    )


def test_spoofed_forwarded_for_does_not_escape_the_ip_lockout(client, submit, settings):
    letter, code = submit()
    for i in range(settings.PORTAL_MAILBOX_TRACK_ATTEMPTS_PER_IP):
        _track(
            client,
            f"202611{i:02d}-AAAA-BBBBC",
            "WRONG",
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",
        )
    response = _track(
        client,
        letter.tracking_number,
        code,
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert response.status_code == 429


def test_rating_and_follow_up_need_a_tracked_session(client, submit, handler, leader):
    letter, code = submit()
    services.accept_letter(letter, by=handler)
    services.sign_off_reply(
        services.draft_reply(letter, by=handler, body="答复"), by=leader
    )
    client.post(reverse("mailbox:rate"), {"satisfaction": "satisfied"})
    letter.refresh_from_db()
    assert not letter.satisfaction
    _track(client, letter.tracking_number, code)
    client.post(
        reverse("mailbox:rate"), {"satisfaction": "unsatisfied", "comment": "太慢"}
    )
    client.post(reverse("mailbox:follow_up"), {"question": "何时落实？"})
    letter.refresh_from_db()
    assert letter.satisfaction == "unsatisfied"
    assert letter.status == LetterStatus.IN_PROGRESS


def test_xss_in_every_letter_field_is_escaped_on_the_tracking_page(
    client, submit, handler, leader
):
    letter, code = submit(subject=XSS[:40], content=XSS, real_name=XSS[:30])
    services.accept_letter(letter, by=handler)
    services.sign_off_reply(
        services.draft_reply(letter, by=handler, body=XSS), by=leader
    )
    _track(client, letter.tracking_number, code)
    client.post(reverse("mailbox:rate"), {"satisfaction": "satisfied", "comment": XSS})
    client.post(reverse("mailbox:follow_up"), {"question": XSS})
    services.reject_letter(letter, by=handler, reason="other", note=XSS)
    html = client.get(reverse("mailbox:track")).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert html.count("&lt;script&gt;") >= 5
    client.force_login(handler)
    admin = client.get(
        reverse("mailbox_letters:inspect", args=[letter.pk])
    ).content.decode()
    assert "<script>alert" not in admin
    assert admin.count("&lt;script&gt;") >= 5


@pytest.mark.parametrize("consent", [True, False])
def test_published_letters_show_only_consented_text_without_personal_data(
    client, submit, handler, leader, consent
):
    from django.contrib.auth.models import Permission

    handler.user_permissions.add(Permission.objects.get(codename="publish_letters"))
    handler = type(handler).objects.get(pk=handler.pk)
    letter, _ = submit(consent_public=consent, content="我是王五，电话13812345678")
    services.accept_letter(letter, by=handler)
    services.sign_off_reply(
        services.draft_reply(letter, by=handler, body="已解决"), by=leader
    )
    if consent:
        services.publish_letter(
            letter, by=handler, subject="食堂时间", content="建议延长供应时间。"
        )
    html = client.get(reverse("mailbox:published")).content.decode()
    assert "13812345678" not in html
    assert "王五" not in html
    assert ("食堂时间" in html) is consent
    assert letter.tracking_number not in html
    detail = client.get(reverse("mailbox:published_letter", args=[letter.public_id]))
    assert detail.status_code == (200 if consent else 404)
    assert letter.tracking_number not in detail.content.decode()
    # The old address by tracking number is gone, and says nothing about the letter.
    old = client.get(f"/mailbox/letters/{letter.tracking_number}/")
    assert old.status_code == 404
    assert letter.tracking_number not in old.content.decode()
