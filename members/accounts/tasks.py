"""Background jobs of accounts: sending activation and reset e-mails."""

from django.core.mail import send_mail
from django_tasks import task

from ..fields import decrypt_text


@task(priority=50)  # a person is waiting for it: before videos and indexing
def send_account_mail(to: str, subject: str, sealed_body: str) -> int:
    """Send one account e-mail. The body carries a code or a reset link, so it is
    stored sealed with the field key (members.fields) while the job waits."""
    return send_mail(subject, decrypt_text(sealed_body), None, [to])
