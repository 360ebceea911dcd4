"""Use cases of 民主评议: open, write a self-assessment, rate, end the rating early,
confirm an outcome, close the round; and the tallies.

Every state change is audited through wagtail's log on the round (scoped like the
rounds, see permissions). A rating's log entry names the round only, never the
member rated or the grade, so the history does not undo the anonymity."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from members.announcements import moment_label
from members.exports import Sheet
from members.models import Member

from .models import (
    GRADE_ORDER,
    Grade,
    Outcome,
    Participant,
    Rating,
    Round,
    SelfAssessment,
    Status,
)

SELF_LIMIT = 3000
COMMENT_LIMIT = 500
NOTE_LIMIT = 500


class EvaluationError(ValidationError):
    """A refused action, with a Chinese message."""


def _log(round: Round, action: str, *, by, **data) -> None:
    log(round, action, user=by, data={"title": round.title, **data})


def _tell(round: Round, kind: str, title: str, body: str) -> None:
    """An in-site notification to everyone on the register, once per round."""
    from django.urls import reverse

    from notifications.service import notify

    user_ids = list(
        round.participants.filter(member__user__is_active=True).values_list(
            "member__user_id", flat=True
        )
    )
    notify(
        user_ids,
        kind,
        title=title,
        body=body,
        url=reverse("evaluation:detail", args=[round.pk]),
        dedupe_key=f"{kind}:{round.pk}",
    )


def _locked(round: Round) -> Round:
    return Round.objects.select_for_update().get(pk=round.pk)


# Staff ---------------------------------------------------------------------------


def branch_members(round: Round):
    """Members of the round's branch and of its 党小组."""
    return Member.objects.within(round.organization)


def open_round(round: Round, *, by) -> Round:
    """Fix the register (the branch's members today) and open the round."""
    if round.closes_at <= timezone.now():
        raise EvaluationError("截止时间已过，请先修改截止时间。")
    with transaction.atomic():
        if _locked(round).status != Status.DRAFT:
            raise EvaluationError("只有筹备中的评议才能启动。")
        member_ids = list(branch_members(round).values_list("pk", flat=True))
        if len(member_ids) < 2:
            raise EvaluationError("该党支部党员不足 2 人，无法互评。")
        Participant.objects.bulk_create(
            [Participant(round=round, member_id=pk) for pk in member_ids]
        )
        round.status = Status.OPEN
        round.register_date = timezone.localdate()
        round.save(update_fields=["status", "register_date"])
        _log(round, "evaluation.open", by=by, members=len(member_ids))
        _tell(
            round,
            "evaluation_open",
            f"民主评议：{round.title}",
            f"{moment_label(round.opens_at)} 至 {moment_label(round.closes_at)}，"
            "请填写自我评价并评价支部其他党员。",
        )
    return round


def end_rating(round: Round, *, by) -> Round:
    """End the rating window now (before its time), so outcomes can be confirmed."""
    with transaction.atomic():
        if _locked(round).status != Status.OPEN:
            raise EvaluationError("只有进行中的评议才能截止。")
        now = timezone.now()
        if round.closes_at <= now:
            raise EvaluationError("评议已经截止。")
        round.closes_at = now
        fields = ["closes_at"]
        if round.opens_at > now:
            round.opens_at = now
            fields.append("opens_at")
        round.save(update_fields=fields)
        _log(round, "evaluation.end_rating", by=by, ratings=round.ratings.count())
    return round


def confirm_outcome(round: Round, member_id: int, grade: str, note: str, *, by):
    """The branch committee's decision on one member (again to revise it, until
    the round is closed); the tally at this moment is kept with it."""
    if grade not in GRADE_ORDER:
        raise EvaluationError("请选择评议结果：优秀、合格、基本合格或不合格。")
    note = (note or "").strip()
    if "\x00" in note or len(note) > NOTE_LIMIT:
        raise EvaluationError(f"支委会意见不能超过 {NOTE_LIMIT} 个字。")
    with transaction.atomic():
        current = _locked(round)
        if current.status == Status.CLOSED:
            raise EvaluationError("评议已经结束，结果不能再修改。")
        if current.phase() != "ended":
            raise EvaluationError("评议截止后才能确认结果。")
        participant = (
            Participant.objects.filter(round=round, member_id=member_id)
            .select_related("member")
            .first()
        )
        if participant is None:
            raise EvaluationError("该党员不在本轮评议名单中。")
        tally = tallies(round, member_ids=[member_id])[0]
        outcome, created = Outcome.objects.update_or_create(
            round=round,
            member_id=member_id,
            defaults={
                "grade": grade,
                "note": note,
                "tally": tally.counts_dict(),
                "decided_by": by,
                "decided_at": timezone.now(),
            },
        )
        _log(
            round,
            "evaluation.confirm" if created else "evaluation.revise",
            by=by,
            member=participant.member.real_name,
            grade=Grade(grade).label,
            note=note,
        )
    return outcome


def close_round(round: Round, *, by) -> Round:
    """Make the outcomes final; every member of the register needs one."""
    with transaction.atomic():
        current = _locked(round)
        if current.status != Status.OPEN or current.phase() != "ended":
            raise EvaluationError("评议截止且结果全部确认后才能结束。")
        missing = round.participants.exclude(
            member_id__in=round.outcomes.values("member_id")
        ).count()
        if missing:
            raise EvaluationError(f"还有 {missing} 名党员的评议结果未确认。")
        round.status = Status.CLOSED
        round.closed_by = by
        round.closed_at = timezone.now()
        round.save(update_fields=["status", "closed_by", "closed_at"])
        counts = Counter(round.outcomes.values_list("grade", flat=True))
        _log(
            round,
            "evaluation.close",
            by=by,
            outcomes={Grade(g).label: counts[g] for g in GRADE_ORDER},
        )
        _tell(
            round,
            "evaluation_closed",
            f"民主评议结果已确定：{round.title}",
            "支部委员会已确认评议结果，请查看。",
        )
    return round


# Members --------------------------------------------------------------------------


def participant_for(round: Round, user) -> Member | None:
    """The user's member record if it is on the round's register, else None."""
    if user is None or not user.is_authenticated:
        return None
    member = getattr(user, "member", None)
    if member is None:
        return None
    if not Participant.objects.filter(round=round, member=member).exists():
        return None
    return member


def save_self_assessment(round: Round, member: Member, text: str) -> SelfAssessment:
    """Write or rewrite the member's 自我评价 before the window closes."""
    text = (text or "").strip()
    if not text:
        raise EvaluationError("请填写自我评价。")
    if "\x00" in text or len(text) > SELF_LIMIT:
        raise EvaluationError(f"自我评价不能超过 {SELF_LIMIT} 个字。")
    if round.phase() not in ("upcoming", "rating"):
        raise EvaluationError("评议已经截止，不能再修改自我评价。")
    with transaction.atomic():
        item, created = SelfAssessment.objects.update_or_create(
            round=round, member=member, defaults={"text": text}
        )
        _log(
            round,
            "evaluation.self" if created else "evaluation.self_edit",
            by=member.user,
        )
    return item


def rate(round: Round, rater: Member, ratee_id: int, grade: str, comment: str):
    """Store (or change, within the window) the rater's rating of a member of the
    register; refused for oneself, outsiders, unknown grades and outside the window."""
    if round.phase() != "rating":
        raise EvaluationError(
            "评议尚未开始。" if round.phase() == "upcoming" else "评议已经截止。"
        )
    if ratee_id == rater.pk:
        raise EvaluationError("不能评价自己，请填写自我评价。")
    if grade not in GRADE_ORDER:
        raise EvaluationError("请选择评价：优秀、合格、基本合格或不合格。")
    comment = (comment or "").strip()
    if "\x00" in comment or len(comment) > COMMENT_LIMIT:
        raise EvaluationError(f"意见建议不能超过 {COMMENT_LIMIT} 个字。")
    on_register = set(
        Participant.objects.filter(
            round=round, member_id__in=[rater.pk, ratee_id]
        ).values_list("member_id", flat=True)
    )
    if rater.pk not in on_register:
        raise EvaluationError("您不在本轮评议的党员名单中。")
    if ratee_id not in on_register:
        raise EvaluationError("被评价的党员不在本轮评议名单中。")
    try:
        with transaction.atomic():
            rating = Rating.objects.filter(
                round=round, rater=rater, ratee_id=ratee_id
            ).first()
            changed = rating is not None
            if rating is None:
                rating = Rating(round=round, rater=rater, ratee_id=ratee_id)
            rating.grade = grade
            rating.comment = comment
            rating.save()
            # The window may have closed while this request ran.
            if Round.objects.get(pk=round.pk).phase() != "rating":
                raise EvaluationError("评议已经截止。")
            _log(
                round,
                "evaluation.rate_edit" if changed else "evaluation.rate",
                by=rater.user,
            )
    except IntegrityError:
        raise EvaluationError("您已经评价过该党员，请刷新页面后修改。") from None
    return rating


# Tallies --------------------------------------------------------------------------


@dataclass
class MemberTally:
    """What the round says about one member, without who said it."""

    member: Member
    counts: dict[str, int]
    comments: list[str] = field(default_factory=list)
    self_text: str = ""
    outcome: Outcome | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def counts_dict(self) -> dict[str, int]:
        return {g: self.counts.get(g, 0) for g in GRADE_ORDER}

    @property
    def columns(self) -> list[int]:
        return [self.counts.get(g, 0) for g in GRADE_ORDER]

    @property
    def suggestion(self) -> str:
        """The grade most raters gave, '' when two grades tie or nobody rated."""
        ranked = Counter(self.counts).most_common()
        if not ranked or ranked[0][1] == 0:
            return ""
        if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
            return ""
        return ranked[0][0]

    @property
    def suggestion_label(self) -> str:
        return Grade(self.suggestion).label if self.suggestion else ""


def tallies(round: Round, member_ids: list[int] | None = None) -> list[MemberTally]:
    """Per member of the register: counts per grade, comments in text order (the
    order of rating is not revealed), self-assessment, confirmed outcome."""
    participants = (
        round.participants.select_related("member")
        .order_by("member__real_name", "member_id")
        .filter(**({"member_id__in": member_ids} if member_ids is not None else {}))
    )
    rows = {
        p.member_id: MemberTally(p.member, dict.fromkeys(GRADE_ORDER, 0))
        for p in participants
    }
    ratings = round.ratings.filter(ratee_id__in=list(rows)).values_list(
        "ratee_id", "grade", "comment"
    )
    for ratee_id, grade, comment in ratings:
        rows[ratee_id].counts[grade] += 1
        if comment:
            rows[ratee_id].comments.append(comment)
    for row in rows.values():
        row.comments.sort()
    for item in round.self_assessments.filter(member_id__in=list(rows)):
        rows[item.member_id].self_text = item.text
    for outcome in round.outcomes.filter(member_id__in=list(rows)).select_related(
        "decided_by"
    ):
        rows[outcome.member_id].outcome = outcome
    return list(rows.values())


def progress(round: Round) -> dict:
    """How far the round is: register size, self-assessments, raters who have
    rated everyone, ratings given of those possible."""
    size = round.participants.count()
    per_rater = Counter(round.ratings.values_list("rater_id", flat=True))
    return {
        "members": size,
        "self_written": round.self_assessments.count(),
        "raters_done": sum(1 for n in per_rater.values() if n >= size - 1),
        "ratings": sum(per_rater.values()),
        "possible": size * (size - 1),
        "confirmed": round.outcomes.count(),
    }


def attributed_ratings(round: Round):
    """Who rated whom (for staff at or above the configured level only)."""
    return round.ratings.select_related("rater", "ratee").order_by(
        "ratee__real_name", "rater__real_name"
    )


def export_sheets(round: Round, *, with_raters: bool) -> list[Sheet]:
    """Tallies per member (and, for staff who may see them, who rated whom), for
    members.exports."""
    summary = Sheet(
        [
            "党员",
            *[Grade(g).label for g in GRADE_ORDER],
            "评价人数",
            "意见建议",
            "评议结果",
            "支委会意见",
            "确认人",
            "确认时间",
        ],
        (
            [
                row.member.real_name,
                *row.columns,
                row.total,
                "；".join(row.comments),
                row.outcome.get_grade_display() if row.outcome else "",
                row.outcome.note if row.outcome else "",
                str(row.outcome.decided_by or "") if row.outcome else "",
                timezone.localtime(row.outcome.decided_at).strftime("%Y-%m-%d %H:%M")
                if row.outcome
                else "",
            ]
            for row in tallies(round)
        ),
        title="票数汇总",
    )
    if not with_raters:
        return [summary]
    detail = Sheet(
        ["被评价党员", "评价人", "评价", "意见建议"],
        (
            [
                rating.ratee.real_name,
                rating.rater.real_name,
                rating.get_grade_display(),
                rating.comment,
            ]
            for rating in attributed_ratings(round)
        ),
        title="评价明细",
    )
    return [summary, detail]
