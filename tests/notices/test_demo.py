"""Demo notices: one open and one archived, each with feedback; loading twice adds nothing."""

from django.utils import timezone

from members import demo as members_demo
from notices import demo
from notices.models import FeedbackStatus, NoticeFeedback, NoticePage


def test_demo_has_an_open_and_an_archived_notice_and_is_idempotent(home_page):
    members_demo.load()
    demo.load()
    demo.load()
    today = timezone.localdate()
    phases = sorted(n.phase(today) for n in NoticePage.objects.live())
    assert phases == ["archived", "open"]
    assert NoticeFeedback.objects.count() == 2
    archived = NoticeFeedback.objects.get(notice__title=demo.ARCHIVED_NOTICE["title"])
    assert archived.status == FeedbackStatus.REPLIED
    pending = NoticeFeedback.objects.get(notice__title=demo.OPEN_NOTICE["title"])
    assert pending.writer.username == "dangyuan"
