"""Recompute a member's points after each recorded fact the database signals: an
attempt graded, a course completed, a rule changed. Study time and lessons are written
by the school's heartbeat in bulk SQL without signals: their points follow when the
member opens /me/ or 我的积分 (``me.refresh``) and from the scheduled
``recompute_points --days 2`` (PORTAL_SCHEDULE)."""

from django.db import transaction
from django.db.models.signals import post_save


def _enqueue_member(member_id: int) -> None:
    from .tasks import recompute_member_points

    transaction.on_commit(lambda: recompute_member_points.enqueue(member_id))


def _attempt_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.submitted_at is None:
        return
    if update_fields is not None and "submitted_at" not in update_fields:
        return
    _enqueue_member(instance.member_id)


def _completion_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        _enqueue_member(instance.member_id)


def _rule_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from .tasks import recompute_all_points

    transaction.on_commit(lambda: recompute_all_points.enqueue())


def connect() -> None:
    from exams.models import Attempt
    from school.models import CourseCompletion

    from .models import PointRule

    post_save.connect(_attempt_saved, sender=Attempt, dispatch_uid="points.attempt")
    post_save.connect(
        _completion_saved, sender=CourseCompletion, dispatch_uid="points.completion"
    )
    post_save.connect(_rule_saved, sender=PointRule, dispatch_uid="points.rule")
