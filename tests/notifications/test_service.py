"""notify(): rows in one transaction, dedupe, e-mail preferences, retried sends."""

import logging
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from notifications import kinds, service
from notifications.models import EmailPreference, Notification
from tests.members.factories import UserFactory

kinds.register("test_event", "测试事件")
kinds.register("test_quiet", "测试静默事件", email_default=False)


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@example.org")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", email="bob@example.org")


def _notify(users, **extra):
    return service.notify(users, "test_event", title="您的来信已答复", **extra)


def test_notify_writes_one_row_per_active_recipient(alice, bob, db):
    gone = UserFactory(username="gone", email="gone@example.org", is_active=False)
    rows = _notify([alice, bob.pk, gone, alice], url="/me/")
    assert sorted(n.recipient_id for n in rows) == sorted([alice.pk, bob.pk])
    assert Notification.objects.filter(recipient=gone).count() == 0
    assert service.unread_count(alice) == 1


def test_unknown_kind_is_refused(alice):
    with pytest.raises(KeyError):
        service.notify([alice], "no_such_kind", title="x")
    assert not Notification.objects.exists()


def test_same_dedupe_key_is_never_sent_twice(
    alice, bob, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert len(_notify([alice], dedupe_key="letter:1:replied")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        again = _notify([alice, bob], dedupe_key="letter:1:replied")
    assert [n.recipient_id for n in again] == [bob.pk]
    assert Notification.objects.filter(recipient=alice).count() == 1
    assert sorted(m.to[0] for m in mailoutbox) == [
        "alice@example.org",
        "bob@example.org",
    ]


def test_email_goes_after_commit_with_title_and_link(
    alice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _notify([alice], body="编号 X 的来信已有答复。", url="/me/letters/")
        assert mailoutbox == []
    assert len(callbacks) == 1
    (mail,) = mailoutbox
    assert mail.to == ["alice@example.org"]
    assert "您的来信已答复" in mail.subject
    assert "/me/letters/" in mail.body
    assert "/me/notifications/#preferences" in mail.body
    row = Notification.objects.get()
    assert row.email_status == Notification.Email.SENT
    assert row.email_attempts == 1


def test_rolled_back_action_leaves_no_notification_and_no_mail(
    alice, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _notify([alice])
        raise RuntimeError("the action failed")
    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_email_preference_is_honoured(
    alice, bob, mailoutbox, django_capture_on_commit_callbacks
):
    service.set_preferences(alice, [])  # everything off
    no_address = UserFactory(username="carol", email="")
    with django_capture_on_commit_callbacks(execute=True):
        rows = _notify([alice, bob, no_address])
    assert [m.to for m in mailoutbox] == [["bob@example.org"]]
    statuses = {n.recipient_id: n.email_status for n in rows}
    assert statuses == {alice.pk: "", bob.pk: "pending", no_address.pk: ""}
    assert service.unread_count(alice) == 1  # still told on the site


def test_kind_off_by_default_is_mailed_only_when_turned_on(
    alice, bob, mailoutbox, django_capture_on_commit_callbacks
):
    service.set_preferences(bob, ["test_quiet"])
    assert EmailPreference.objects.get(user=bob, kind="test_quiet").email is True
    with django_capture_on_commit_callbacks(execute=True):
        service.notify([alice, bob], "test_quiet", title="静默")
    assert [m.to for m in mailoutbox] == [["bob@example.org"]]
    assert service.email_enabled(alice, "test_quiet") is False


# A send that fails -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Collect(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp(settings):
    """SMTP on a port where, at first, nothing listens: sends fail for real."""
    port = _free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    yield controller, handler
    if getattr(controller, "_thread", None) is not None:
        controller.stop()


def test_failed_send_does_not_block_the_action_and_is_retried(
    alice, smtp, django_capture_on_commit_callbacks, caplog
):
    controller, received = smtp
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        rows = _notify([alice])
        marker = UserFactory(username="action-done")
    # The action committed; the mail server was down.
    assert Notification.objects.filter(pk=rows[0].pk).exists()
    assert marker.pk is not None
    row = Notification.objects.get()
    assert row.email_status == Notification.Email.PENDING
    assert row.email_attempts == 1
    assert "Error" in row.email_error
    assert row.email_next_at > timezone.now()
    assert "retrying later" in caplog.text

    # Not due yet: the periodic job leaves it alone.
    assert service.due_email_ids() == []
    controller.start()
    later = row.email_next_at + timedelta(seconds=1)
    assert service.due_email_ids(later) == [row.pk]
    assert service.send_emails([row.pk], now=later)["sent"] == 1
    row.refresh_from_db()
    assert row.email_status == Notification.Email.SENT
    assert row.email_attempts == 2
    assert row.email_error == ""
    assert len(received.messages) == 1
    assert received.messages[0]["To"] == "alice@example.org"
    # Sent once only: another run finds nothing to do.
    assert service.send_emails([row.pk], now=later)["skipped"] == 1


def test_send_that_keeps_failing_is_marked_failed_and_logged(
    alice, smtp, settings, django_capture_on_commit_callbacks, caplog
):
    settings.PORTAL_NOTIFICATION_EMAIL_RETRY_SECONDS = [60, 120]
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = _notify([alice])
    when = timezone.now()
    for _ in range(5):
        when += timedelta(hours=1)
        service.send_emails(service.due_email_ids(when), now=when)
    row.refresh_from_db()
    assert row.email_status == Notification.Email.FAILED
    assert row.email_attempts == 3  # two waits, three tries
    assert row.email_next_at is None
    assert service.due_email_ids(when + timedelta(days=1)) == []
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 1
    assert "giving up" in failures[0].getMessage()


def test_periodic_command_sends_due_mail(
    alice, mailoutbox, django_capture_on_commit_callbacks
):
    # As if the first send's task was lost (worker down when it was enqueued).
    rows = _notify([alice])
    assert rows[0].email_status == Notification.Email.PENDING
    call_command("send_notification_emails")
    assert [m.to for m in mailoutbox] == [["alice@example.org"]]
    call_command("send_notification_emails")
    assert len(mailoutbox) == 1


def test_a_claimed_send_left_by_a_dead_worker_is_taken_again(alice, mailoutbox):
    (row,) = _notify([alice])
    stale = timezone.now() - service.STALE_CLAIM - timedelta(minutes=1)
    Notification.objects.filter(pk=row.pk).update(
        email_status=Notification.Email.SENDING, email_claimed_at=stale
    )
    assert service.due_email_ids() == [row.pk]
    assert service.send_emails([row.pk])["sent"] == 1
    assert len(mailoutbox) == 1


def test_mark_read_touches_only_the_users_own_rows(alice, bob):
    (mine,) = _notify([alice])
    (theirs,) = _notify([bob])
    assert service.mark_read(alice, [mine.pk, theirs.pk]) == 1
    assert service.unread_count(alice) == 0
    assert service.unread_count(bob) == 1
    _notify([alice])
    _notify([alice])
    assert service.mark_all_read(alice) == 2
    assert service.unread_count(bob) == 1
