"""Statistics of one exam over the members of a set of organisations."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q, QuerySet

from members.models import Organization

from . import rules
from .models import Attempt, AttemptAnswer, Exam, Question

BUCKETS = [(0, 59, "60 分以下"), (60, 69, "60–69"), (70, 79, "70–79"),
           (80, 89, "80–89"), (90, 100, "90–100")]  # fmt: skip


@dataclass
class QuestionRow:
    question: Question | None
    stem: str
    kind: str
    answered: int = 0
    correct: int = 0
    wrong_choices: Counter = field(default_factory=Counter)

    @property
    def correct_rate(self) -> float:
        return self.correct / self.answered if self.answered else 0.0

    @property
    def top_wrong(self) -> str:
        """The wrong option chosen most often, as 'C（12 人次）'."""
        if not self.wrong_choices:
            return ""
        letter, times = self.wrong_choices.most_common(1)[0]
        text = ""
        if self.question is not None:
            text = dict(self.question.options).get(letter, "")
        return f"{letter} {text}（{times} 人次）".replace("  ", " ")


def submitted_attempts(exam: Exam, organizations: QuerySet[Organization]):
    return Attempt.objects.submitted().filter(
        exam=exam, member__organization__in=organizations
    )


def summary(exam: Exam, organizations: QuerySet[Organization]) -> dict:
    attempts = submitted_attempts(exam, organizations)
    totals = attempts.aggregate(
        attempts=Count("pk"),
        members=Count("member", distinct=True),
        passed_members=Count("member", filter=Q(passed=True), distinct=True),
        average=Avg("score"),
    )
    totals["pass_rate"] = (
        totals["passed_members"] / totals["members"] if totals["members"] else 0.0
    )
    return totals


def branches(exam: Exam, organizations: QuerySet[Organization]) -> list[dict]:
    """Per 党组织 of the members: attempts, members, members who passed, pass rate."""
    rows = list(
        submitted_attempts(exam, organizations)
        .values("member__organization", "member__organization__name")
        .annotate(
            attempts=Count("pk"),
            members=Count("member", distinct=True),
            passed=Count("member", filter=Q(passed=True), distinct=True),
            average=Avg("score"),
        )
        .order_by("member__organization__path")
    )
    for row in rows:
        row["name"] = row["member__organization__name"]
        row["pass_rate"] = row["passed"] / row["members"] if row["members"] else 0.0
    return rows


def distribution(exam: Exam, organizations: QuerySet[Organization]) -> list[dict]:
    scores = submitted_attempts(exam, organizations)
    counts = scores.aggregate(
        **{
            f"b{index}": Count("pk", filter=Q(score__gte=low, score__lte=high))
            for index, (low, high, _label) in enumerate(BUCKETS)
        }
    )
    peak = max(counts.values(), default=0) or 1
    return [
        {
            "label": label,
            "count": counts[f"b{index}"],
            "width": round(counts[f"b{index}"] * 100 / peak),
        }
        for index, (_low, _high, label) in enumerate(BUCKETS)
    ]


def questions(exam: Exam, organizations: QuerySet[Organization]) -> list[QuestionRow]:
    """Per question: how often answered and right, the most chosen wrong option;
    the hardest first, so bad questions stand out."""
    answers = AttemptAnswer.objects.filter(
        attempt__in=submitted_attempts(exam, organizations)
    ).values_list("question_id", "stem", "kind", "key", "response", "correct")
    rows: dict = {}
    for question_id, stem, kind, key, response, correct in answers.iterator():
        row = rows.get(question_id or stem)
        if row is None:
            row = rows[question_id or stem] = QuestionRow(None, stem, kind)
            row.question_id = question_id
        row.answered += 1
        row.correct += bool(correct)
        if not correct and response and kind != rules.FILL:
            row.wrong_choices.update(letter for letter in response if letter not in key)
    found = Question.objects.in_bulk(
        [r.question_id for r in rows.values() if r.question_id]
    )
    for row in rows.values():
        row.question = found.get(row.question_id)
    return sorted(rows.values(), key=lambda r: (r.correct_rate, -r.answered))
