"""Members are told when a members' survey for them opens, and those who have not
answered are reminded before it closes: once each, from the respondent keys, never
from the answers; public surveys notify nobody."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.roles import PUBLICIST
from notifications.models import Notification
from surveys import notices, services
from tests.members.factories import MemberFactory, make_staff_user
from tests.surveys.factories import SurveyFactory

from .conftest import form

pytestmark = pytest.mark.django_db


def _told(kind):
    return set(
        Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True)
    )


@pytest.fixture
def people(tree):
    return {
        "a": [MemberFactory(organization=tree["a"]) for _ in range(3)],
        "b": [MemberFactory(organization=tree["b"])],
    }


def test_publishing_tells_the_audience_once(
    tree, people, django_capture_on_commit_callbacks
):
    survey = SurveyFactory(
        owner=tree["committee"],
        audience="organization",
        audience_organization=tree["a"],
        is_published=False,
    )
    staff = make_staff_user(PUBLICIST, scope=tree["committee"])
    with django_capture_on_commit_callbacks(execute=True):
        services.open_survey(survey, by=staff)
    assert _told("survey_open") == {m.user_id for m in people["a"]}
    note = Notification.objects.filter(kind="survey_open").first()
    assert note.url == f"/surveys/{survey.pk}/" and survey.title in note.title
    assert notices.send_reminders() == (0, 0)


def test_reminder_skips_those_who_answered_an_anonymous_survey(tree, people):
    survey = SurveyFactory(owner=tree["committee"], audience="members", anonymous=True)
    answered = people["a"][0]
    services.submit_response(survey, form(survey), user=answered.user)
    everyone = {m.user_id for group in people.values() for m in group}
    now = survey.closes_at - datetime.timedelta(hours=3)
    with CaptureQueriesContext(connection) as queries:
        _, reminded = notices.send_reminders(now=now)
    assert _told("survey_open") == everyone - {answered.user_id}
    assert _told("survey_closing") == everyone - {answered.user_id}
    assert reminded == len(everyone) - 1
    assert not [q for q in queries.captured_queries if "surveys_answer" in q["sql"]]
    assert notices.send_reminders(now=now) == (0, 0)


def test_public_surveys_notify_nobody(tree, people):
    survey = SurveyFactory(owner=tree["committee"], audience="public")
    assert notices.announce_survey(survey.pk) == 0
    now = survey.closes_at - datetime.timedelta(hours=3)
    assert notices.send_reminders(now=now) == (0, 0)
    assert not Notification.objects.exists()


def test_the_scheduled_command_enqueues_the_job(tree, people, capsys, settings):
    assert any(job[0] == "send_survey_reminders" for job in settings.PORTAL_SCHEDULE)
    SurveyFactory(owner=tree["committee"], audience="members")
    call_command("send_survey_reminders")
    assert "已排队" in capsys.readouterr().out
    assert len(_told("survey_open")) == 4
