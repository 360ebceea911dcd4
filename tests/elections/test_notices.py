"""Members are told when a vote they may vote in opens, and those who have not
voted are reminded before it closes: once each, from the register and the
who-voted record, never from the ballots."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from elections import notices, services
from notifications.models import Notification
from tests.elections.factories import ElectionFactory
from tests.members.factories import MemberFactory

from .conftest import ballot

pytestmark = pytest.mark.django_db


def _told(kind):
    return set(
        Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True)
    )


def test_opening_a_vote_tells_the_register_once(
    tree, voters, staff_a, django_capture_on_commit_callbacks
):
    outsider = MemberFactory(organization=tree["b"])
    with django_capture_on_commit_callbacks(execute=True):
        election = services.open_election(
            ElectionFactory(
                organization=tree["a"],
                closes_at=timezone.now() + datetime.timedelta(days=3),
            ),
            by=staff_a,
        )
    assert _told("election_open") == {m.user_id for m in voters}
    assert outsider.user_id not in _told("election_open")
    note = Notification.objects.filter(kind="election_open").first()
    assert note.title == f"投票：{election.title}"
    assert note.url == f"/elections/{election.pk}/"
    # The periodic run announces again to nobody.
    assert notices.send_reminders() == (0, 0)
    assert Notification.objects.filter(kind="election_open").count() == len(voters)


def test_reminder_goes_to_those_who_have_not_voted_without_reading_ballots(
    election, voters, settings
):
    for member in voters[:2]:
        services.cast_ballot(election, ballot(election, "王磊"), user=member.user)
    # Closing in three hours, reminders two hours before: not yet.
    settings.PORTAL_VOTE_REMINDER_HOURS = 2
    assert notices.send_reminders()[1] == 0
    settings.PORTAL_VOTE_REMINDER_HOURS = 24
    now = election.closes_at - datetime.timedelta(hours=1)
    with CaptureQueriesContext(connection) as queries:
        _, reminded = notices.send_reminders(now=now)
    assert reminded == 3
    assert _told("election_closing") == {m.user_id for m in voters[2:]}
    assert not [q for q in queries.captured_queries if "elections_ballot" in q["sql"]]
    # Run again: nobody is reminded twice.
    assert notices.send_reminders(now=now)[1] == 0
    # A vote whose closing time is moved is announced again.
    election.closes_at = now + datetime.timedelta(hours=2)
    election.save(update_fields=["closes_at"])
    assert notices.send_reminders(now=now)[1] == 3


def test_closed_and_draft_votes_tell_nobody(tree, voters, staff_a, election):
    services.close_election(election, by=staff_a)
    draft = ElectionFactory(organization=tree["a"], title="筹备中的投票")
    Notification.objects.all().delete()
    assert notices.announce_election(election.pk) == 0
    assert notices.announce_election(draft.pk) == 0
    soon = timezone.now() + datetime.timedelta(hours=1)
    assert notices.send_reminders(now=soon) == (0, 0)


def test_the_scheduled_command_enqueues_the_job(election, voters, capsys, settings):
    assert any(job[0] == "send_election_reminders" for job in settings.PORTAL_SCHEDULE)
    election.closes_at = timezone.now() + datetime.timedelta(hours=2)
    election.save(update_fields=["closes_at"])
    call_command("send_election_reminders")
    assert "已排队" in capsys.readouterr().out
    assert _told("election_closing") == {m.user_id for m in voters}
