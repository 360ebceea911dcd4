"""Background jobs of 投票计票: telling members about votes."""

from django_tasks import task


@task()
def announce_election(election_id: int) -> int:
    """Tell the register that a vote has been opened (once per member)."""
    from .notices import announce_election as announce

    return announce(election_id)


@task()
def send_election_reminders() -> str:
    """Announce running votes and remind those who have not voted before closing."""
    from .notices import send_reminders

    announced, reminded = send_reminders()
    return f"{announced} announced, {reminded} reminded"
