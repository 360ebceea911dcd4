"""Background jobs of notifications: sending their e-mails."""

from django_tasks import task


@task(priority=40)
def send_notification_emails(notification_ids: list[int]) -> dict:
    """Send the due e-mails of these notifications; failures are rescheduled on the
    row, and the periodic ``send_notification_emails`` command tries them again."""
    from .service import send_emails

    return send_emails(notification_ids)
