"""One real SMTP conversation: the reply notice reaches a local aiosmtpd server."""

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from mailbox import services


class Collect(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    yield handler
    controller.stop()


def test_signed_off_reply_is_mailed_over_smtp(
    smtp_server, submit, handler, leader, django_capture_on_commit_callbacks
):
    letter, _ = submit()
    services.accept_letter(letter, by=handler)
    reply = services.draft_reply(letter, by=handler, body="已答复")
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_off_reply(reply, by=leader)
    # The server stores the message before it answers DATA, so it is there now.
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "writer@example.org"
    assert letter.tracking_number in str(
        message["Subject"]
    ) or letter.tracking_number in (message.get_payload(decode=True) or b"").decode(
        "utf-8", "replace"
    )
