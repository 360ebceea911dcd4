"""Background jobs of 网上调查: telling members about surveys for them."""

from django_tasks import task


@task()
def announce_survey(survey_id: int) -> int:
    """Tell a members' survey's audience that it has started (once per member)."""
    from .notices import announce_survey as announce

    return announce(survey_id)


@task()
def send_survey_reminders() -> str:
    """Announce running members' surveys and remind those who have not answered."""
    from .notices import send_reminders

    announced, reminded = send_reminders()
    return f"{announced} announced, {reminded} reminded"
