"""Background jobs of 网上考核."""

from django_tasks import task


@task(priority=20)
def send_assessment_reminders() -> str:
    """Overdue reports and unscored items: notify once a day (safe to run twice)."""
    from .services import send_reminders

    overdue, unscored = send_reminders()
    return f"{overdue} overdue, {unscored} unscored"
