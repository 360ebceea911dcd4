"""Letters: submission, state machine, permissions, mail, deadlines, retention."""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from wagtail.models import ModelLogEntry

from mailbox import services
from mailbox.models import (
    CalendarDay,
    Letter,
    LetterAttachment,
    LetterReply,
    LetterStatus,
    Mailbox,
    private_storage,
)
from tests.audit_log import logged_actions

from .conftest import letter_data, pdf_bytes, png_bytes


def _stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_submit_saves_letter_attachments_and_only_a_hash_of_the_code(
    submit, private_files
):
    letter, code = submit(
        files=[
            SimpleUploadedFile("scan.pdf", pdf_bytes()),
            SimpleUploadedFile("photo.png", png_bytes()),
        ]
    )
    letter.refresh_from_db()
    assert letter.status == LetterStatus.PENDING
    assert letter.attachments.count() == 2
    assert len(_stored_files(private_files)) == 2
    compact = code.replace("-", "")
    assert compact not in letter.query_code_hash
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone, email, real_name FROM mailbox_letter WHERE id = %s",
            [letter.pk],
        )
        raw = cursor.fetchone()
    assert "13812345678" not in raw[0]
    assert "writer@example.org" not in raw[1]
    assert "李四" not in raw[2]
    assert letter.phone == "13812345678"


def test_due_date_counts_working_days_from_the_calendar(submit):
    with mock.patch("django.utils.timezone.now") as now:
        now.return_value = timezone.make_aware(timezone.datetime(2026, 9, 29, 10))
        letter, _ = submit()
    assert letter.due_date == date(2026, 10, 12)


def test_staff_edit_of_the_calendar_moves_the_deadline(submit):
    CalendarDay.objects.create(date=date(2026, 11, 24), name="临时放假")
    with mock.patch("django.utils.timezone.now") as now:
        now.return_value = timezone.make_aware(timezone.datetime(2026, 11, 20, 10))
        letter, _ = submit()
    assert letter.due_date == date(2026, 11, 30)


def test_suggestion_may_be_anonymous_but_other_types_need_contact(submit):
    letter, _ = submit(letter_type="suggest", real_name="", phone="", email="")
    assert not letter.has_contact
    with pytest.raises(ValidationError):
        submit(letter_type="complain", real_name="", phone="", email="")


def test_privacy_consent_is_required(submit):
    with pytest.raises(ValidationError):
        submit(privacy_accepted=False)


def test_a_failure_after_files_are_written_leaves_neither_letter_nor_files(
    submit, private_files
):
    with (
        mock.patch.object(
            services.letters, "_event", side_effect=RuntimeError("crash before commit")
        ),
        pytest.raises(RuntimeError),
    ):
        submit(files=[SimpleUploadedFile("a.png", png_bytes())])
    assert Letter.objects.count() == 0
    assert LetterAttachment.objects.count() == 0
    assert _stored_files(private_files) == []


def test_orphan_files_from_a_crash_are_swept(private_files, submit):
    letter, _ = submit(files=[SimpleUploadedFile("a.png", png_bytes())])
    private_storage.save("letters/2026/11/orphan", SimpleUploadedFile("x", b"x"))
    assert services.purge_orphan_letter_files(older_than=timedelta(0)) == 1
    assert len(_stored_files(private_files)) == 1
    assert letter.attachments.get().file.storage.exists(
        letter.attachments.get().file.name
    )


def test_resending_the_same_form_returns_the_same_letter_with_a_new_code(submit):
    first, code1 = submit(submission_token="tok-1")
    second, code2 = submit(submission_token="tok-1")
    assert first.pk == second.pk
    assert code1 != code2
    assert Letter.objects.count() == 1
    assert services.find_tracked_letter(first.tracking_number, code2, ip="x")
    assert services.find_tracked_letter(first.tracking_number, code1, ip="y") is None


def test_letters_are_rate_limited_per_ip(submit, settings):
    settings.PORTAL_MAILBOX_LETTERS_PER_IP = (2, 3600)
    submit(ip="198.51.100.1")
    submit(ip="198.51.100.1")
    with pytest.raises(services.RateLimited):
        submit(ip="198.51.100.1")
    submit(ip="198.51.100.2")


def test_letters_are_rate_limited_per_member(submit, member, settings):
    settings.PORTAL_MAILBOX_LETTERS_PER_MEMBER = (1, 3600)
    submit(user=member.user, ip="198.51.100.3")
    with pytest.raises(services.RateLimited):
        submit(user=member.user, ip="198.51.100.4")


def test_full_happy_path_with_mail_and_audit_log(
    submit,
    handler,
    leader,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    with django_capture_on_commit_callbacks(execute=True):
        letter, _ = submit()
    assert mailoutbox[-1].to == ["handler1@example.org"]
    assert "李四" not in mailoutbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_letter(letter, by=handler)
        reply = services.draft_reply(
            letter, by=handler, body="按退休费总额的 0.5% 缴纳。"
        )
    assert mailoutbox[-1].to == ["leader1@example.org"]
    letter.refresh_from_db()
    assert letter.status == LetterStatus.IN_PROGRESS
    assert not letter.signed_replies
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_off_reply(reply, by=leader)
    letter = Letter.objects.get(pk=letter.pk)
    assert letter.status == LetterStatus.REPLIED
    assert mailoutbox[-1].to == ["writer@example.org"]
    assert letter.tracking_number in mailoutbox[-1].subject
    services.close_letter(letter, by=handler)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.CLOSED
    actions = set(logged_actions(letter))
    assert {
        "mailbox.submit",
        "mailbox.accept",
        "mailbox.draft_reply",
        "mailbox.sign_off",
        "mailbox.close",
    } <= actions
    public = list(letter.events.filter(is_public=True).values_list("label", flat=True))
    assert "已受理" in public and "已办结" in public
    assert "答复已拟稿，待领导签发" not in public


def test_mail_links_use_the_site_address_never_localhost(
    submit, handler, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.PORTAL_BASE_URL = "https://dj.example.org"
    settings.WAGTAILADMIN_BASE_URL = "https://dj.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        letter, _ = submit()
        services.accept_letter(letter, by=handler)
    to_handler, to_writer = mailoutbox[-2:]
    assert to_handler.to == ["handler1@example.org"]
    assert f"https://dj.example.org/admin/mailbox/letters/{letter.pk}/" in (
        to_handler.body
    )
    assert to_writer.to == ["writer@example.org"]
    assert "https://dj.example.org/mailbox/track/" in to_writer.body
    assert not any("localhost" in m.body or "testserver" in m.body for m in mailoutbox)


def test_only_the_mailbox_leader_signs_off(submit, handler, other_leader, leader):
    letter, _ = submit()
    services.accept_letter(letter, by=handler)
    reply = services.draft_reply(letter, by=handler, body="答复")
    with pytest.raises(PermissionDenied):
        services.sign_off_reply(reply, by=handler)
    with pytest.raises(PermissionDenied):
        services.sign_off_reply(reply, by=other_leader)
    services.return_reply(reply, by=leader, comment="请补充政策依据")
    reply.refresh_from_db()
    assert reply.status == LetterReply.Status.RETURNED
    with pytest.raises(services.LetterStateError):
        services.sign_off_reply(reply, by=leader)


def test_handlers_of_other_mailboxes_cannot_touch_a_letter(
    submit, other_handler, other_mailbox
):
    letter, _ = submit()
    for step in (
        lambda: services.accept_letter(letter, by=other_handler),
        lambda: services.reject_letter(letter, by=other_handler, reason="duplicate"),
        lambda: services.add_note(letter, by=other_handler, text="x"),
        lambda: services.reveal_contact(letter, by=other_handler),
        lambda: services.transfer_letter(letter, by=other_handler, to=other_mailbox),
    ):
        with pytest.raises(PermissionDenied):
            step()


def test_state_machine_refuses_skipped_steps(submit, handler, leader):
    letter, _ = submit()
    with pytest.raises(services.LetterStateError):
        services.draft_reply(letter, by=handler, body="太早了")
    with pytest.raises(services.LetterStateError):
        services.close_letter(letter, by=handler)
    services.reject_letter(letter, by=handler, reason="litigation")
    with pytest.raises(services.LetterStateError):
        services.accept_letter(letter, by=handler)
    letter.refresh_from_db()
    assert letter.get_reject_reason_display() == "已进入诉讼、仲裁或信访程序"


def test_other_reason_needs_an_explanation(submit, handler):
    letter, _ = submit()
    with pytest.raises(ValidationError):
        services.reject_letter(letter, by=handler, reason="other", note="")


def test_transfer_moves_the_letter_to_the_new_handlers(
    submit,
    handler,
    other_handler,
    other_mailbox,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    letter, _ = submit()
    services.accept_letter(letter, by=handler)
    services.draft_reply(letter, by=handler, body="本信箱草拟的答复")
    with django_capture_on_commit_callbacks(execute=True):
        services.transfer_letter(
            letter, by=handler, to=other_mailbox, note="属经营事项"
        )
    letter.refresh_from_db()
    assert letter.mailbox == other_mailbox
    assert not letter.replies.filter(status=LetterReply.Status.AWAITING).exists()
    assert letter.status == LetterStatus.PENDING
    assert mailoutbox[-1].to == ["handler2@example.org"]
    with pytest.raises(PermissionDenied):
        services.accept_letter(letter, by=handler)
    services.accept_letter(letter, by=other_handler)


def test_viewing_contact_details_is_logged(submit, handler):
    letter, _ = submit()
    contact = services.reveal_contact(letter, by=handler)
    assert contact["phone"] == "13812345678"
    assert letter.events.filter(action="view_contact", actor=handler).exists()
    assert ModelLogEntry.objects.filter(
        object_id=str(letter.pk), action="mailbox.view_contact", user=handler
    ).exists()


def _replied(submit, handler, leader, **fields):
    letter, code = submit(**fields)
    services.accept_letter(letter, by=handler)
    reply = services.draft_reply(letter, by=handler, body="答复内容")
    services.sign_off_reply(reply, by=leader)
    return Letter.objects.get(pk=letter.pk), code


def test_writer_rates_once_and_asks_one_follow_up(submit, handler, leader):
    letter, _ = _replied(submit, handler, leader)
    services.rate_letter(letter, satisfaction="basically", comment="还可以")
    with pytest.raises(services.LetterStateError):
        services.rate_letter(letter, satisfaction="satisfied")
    services.ask_follow_up(letter, question="那么在职党员呢？")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.IN_PROGRESS
    with pytest.raises(services.LetterStateError):
        services.ask_follow_up(letter, question="再问一次")
    reply = services.draft_reply(letter, by=handler, body="在职党员按工资收入缴纳。")
    assert reply.is_follow_up_answer
    services.sign_off_reply(reply, by=leader)
    letter = Letter.objects.get(pk=letter.pk)
    assert len(letter.signed_replies) == 2


def test_publishing_needs_consent_and_a_signed_reply(submit, handler, leader, settings):
    handler.user_permissions.add(
        *__import__(
            "django.contrib.auth.models", fromlist=["Permission"]
        ).Permission.objects.filter(codename="publish_letters")
    )
    letter, _ = _replied(submit, handler, leader, consent_public=False)
    handler = type(handler).objects.get(pk=handler.pk)
    with pytest.raises(services.LetterStateError):
        services.publish_letter(letter, by=handler, subject="标题", content="内容")
    letter2, _ = _replied(submit, handler, leader)
    services.publish_letter(
        letter2, by=handler, subject="退休党员党费", content="问：…"
    )
    assert list(Letter.objects.published()) == [Letter.objects.get(pk=letter2.pk)]


def test_reminders_and_escalations_are_sent_once(
    submit, handler, leader, django_capture_on_commit_callbacks, mailoutbox
):
    soon, _ = submit(subject="即将到期")
    late, _ = submit(subject="已经超期")
    Letter.objects.filter(pk=soon.pk).update(due_date=date(2026, 11, 24))
    Letter.objects.filter(pk=late.pk).update(due_date=date(2026, 11, 19))
    mailoutbox.clear()
    today = date(2026, 11, 23)  # Monday: 24th is the next working day
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_deadline_reminders(today) == (1, 1)
    subjects = sorted(m.subject for m in mailoutbox)
    assert any("即将到期" in s for s in subjects)
    assert any("超期督办" in s for s in subjects)
    # One notification (and mail) per person: the escalation to leader and handler.
    escalated_to = sorted(m.to[0] for m in mailoutbox if "超期督办" in m.subject)
    assert escalated_to == ["handler1@example.org", "leader1@example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_deadline_reminders(today) == (0, 0)
    assert len(mailoutbox) == 3


def test_reminder_command_runs(submit, capsys):
    from django.core.management import call_command

    call_command("send_mailbox_reminders")
    assert "到期提醒" in capsys.readouterr().out


def test_personal_data_is_purged_after_retention_and_statistics_stay(
    submit, handler, leader, private_files, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_MAILBOX_RETENTION_DAYS = 30
    letter, _ = _replied(submit, handler, leader)
    LetterAttachment.objects.create(
        letter=letter,
        file=private_storage.save("letters/old/f1", SimpleUploadedFile("f", b"%PDF-")),
        display_name="a.pdf",
        content_type="application/pdf",
        size=5,
        sha256="0" * 64,
    )
    services.rate_letter(letter, satisfaction="satisfied", comment="谢谢李四")
    services.close_letter(letter, by=handler)
    old = timezone.now() - timedelta(days=40)
    Letter.objects.filter(pk=letter.pk).update(submitted_at=old, finished_at=old)
    fresh, _ = submit(subject="新来信")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.purge_personal_data() == 1
    letter.refresh_from_db()
    assert letter.real_name == letter.phone == letter.email == ""
    assert letter.satisfaction == "satisfied"
    assert letter.satisfaction_comment == ""
    assert "退休党员" not in letter.content
    assert letter.attachments.count() == 0
    assert _stored_files(private_files) == []
    fresh.refresh_from_db()
    assert fresh.phone == "13812345678"
    assert services.purge_personal_data() == 0


def test_inactive_mailbox_refuses_letters(submit, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(is_active=False)
    mailbox.refresh_from_db()
    with pytest.raises(ValidationError):
        services.submit_letter(
            letter_data(mailbox), files=[], ip="192.0.2.1", user=None
        )
