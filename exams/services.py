"""Use cases of exams: starting an attempt, saving answers, submitting, grading.

The server owns the truth: keys stay in the database until an attempt is graded, the
deadline is checked here with the server's clock, and each state change locks the
attempt's row. A course's 结业考试 gates its completion through the school's
completion requirements (exams.wagtail_hooks registers ours).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from members.models import Member

from . import rules
from .models import Attempt, AttemptAnswer, Exam, Question

MAX_QUESTIONS = 200


class ExamError(Exception):
    """A request the exam rules refuse; the message is shown to the member."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def grace() -> datetime.timedelta:
    """How long after the deadline an answer already on its way is still accepted."""
    return datetime.timedelta(seconds=settings.PORTAL_EXAMS_GRACE_SECONDS)


def draw_questions(
    exam: Exam, rng: random.Random | None = None, *, exclude=()
) -> list[Question]:
    """The questions of a new attempt, in the order this member will see them;
    questions whose ids are in ``exclude`` are never drawn (每日答题's recent ones)."""
    rng = rng or random.SystemRandom()
    exclude = set(exclude)
    if exam.mode == Exam.Mode.FIXED:
        chosen = [
            item.question
            for item in exam.fixed_questions.select_related("question").order_by(
                "sort_order", "pk"
            )
            if not item.question.retired and item.question_id not in exclude
        ]
    else:
        chosen, taken = [], set(exclude)
        for rule in exam.draw_rules.order_by("sort_order", "pk"):
            ids = list(
                rule.candidates()
                .exclude(pk__in=taken)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            picked = rng.sample(ids, min(rule.count, len(ids)))
            taken.update(picked)
            found = Question.objects.in_bulk(picked)
            chosen.extend(found[pk] for pk in picked)
    chosen = chosen[:MAX_QUESTIONS]
    rng.shuffle(chosen)
    return chosen


def _snapshot(
    attempt: Attempt, question: Question, position: int, rng: random.Random
) -> AttemptAnswer:
    options = [list(pair) for pair in question.options]
    if question.kind != rules.JUDGE:
        rng.shuffle(options)
    return AttemptAnswer(
        attempt=attempt,
        position=position,
        question=question,
        kind=question.kind,
        stem=question.stem,
        options=options,
        key=question.answer,
        explanation=question.explanation,
    )


def attempts_left(exam: Exam, member: Member) -> int | None:
    """None when unlimited."""
    if not exam.max_attempts:
        return None
    used = Attempt.objects.filter(exam=exam, member=member).count()
    return max(0, exam.max_attempts - used)


def deadline_for(exam: Exam, started) -> datetime.datetime:
    """The time limit from the start; a contest's attempt ends with its window too."""
    deadline = started + datetime.timedelta(minutes=exam.time_limit_minutes)
    if exam.is_contest and exam.ends_at:
        deadline = min(deadline, exam.ends_at)
    return deadline


def current_deadline(attempt: Attempt) -> datetime.datetime:
    """The attempt's deadline as the exam stands now: its start plus the time limit,
    never later than a contest's end. A contest's end moved earlier shortens attempts
    already open; 每日答题 keeps the end of its day."""
    if attempt.exam.kind == Exam.Kind.DAILY:
        return attempt.deadline
    return deadline_for(attempt.exam, attempt.started_at)


def _sync_deadline(attempt: Attempt) -> Attempt:
    """Store the current deadline on an open attempt if the exam's changed it, so the
    timer, the boards and every check read the same clock."""
    deadline = current_deadline(attempt)
    if attempt.is_open and deadline != attempt.deadline:
        attempt.deadline = deadline
        Attempt.objects.filter(pk=attempt.pk, submitted_at__isnull=True).update(
            deadline=deadline
        )
    return attempt


def start_attempt(
    exam: Exam,
    member: Member,
    *,
    now=None,
    exclude=(),
    deadline=None,
    rng: random.Random | None = None,
) -> Attempt:
    """The member's open attempt at the exam, or a new one with its questions drawn.

    One open attempt per member and exam is a database constraint: of two requests
    starting at once, one creates it and the other returns it. ``exclude`` (question
    ids never to draw) and ``deadline`` (instead of the time limit) are 每日答题's;
    ``rng`` draws and shuffles (the system's randomness unless a demo seeds its own).
    """
    now = now or timezone.now()
    if not exam.is_active:
        raise ExamError("该考试暂未开放。", status=403)
    if exam.is_contest:
        from .contests import check_entry

        check_entry(exam, member, now=now)
    current = Attempt.objects.open().filter(exam=exam, member=member).first()
    if current is not None:
        if finish_if_overdue(current, now=now):
            current = None
        else:
            return current
    rng = rng or random.SystemRandom()
    questions = draw_questions(exam, rng, exclude=exclude)
    if not questions:
        raise ExamError("题库中暂无可用的试题，请联系党校管理员。", status=409)
    used = Attempt.objects.filter(exam=exam, member=member).count()
    if exam.max_attempts and used >= exam.max_attempts:
        raise ExamError(
            f"本考试最多可答 {exam.max_attempts} 次，您已用完。", status=403
        )
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                exam=exam,
                member=member,
                number=used + 1,
                started_at=now,
                deadline=deadline or deadline_for(exam, now),
                question_count=len(questions),
            )
            AttemptAnswer.objects.bulk_create(
                [
                    _snapshot(attempt, question, position, rng)
                    for position, question in enumerate(questions, start=1)
                ]
            )
    except IntegrityError:
        # Another request of the same member started one at the same moment.
        existing = Attempt.objects.open().filter(exam=exam, member=member).first()
        if existing is None:
            raise ExamError("请求过于频繁，请刷新页面后重试。", status=409) from None
        return existing
    return attempt


def _locked(attempt: Attempt) -> Attempt:
    """The attempt locked for a change, with the deadline as the exam stands now."""
    return _sync_deadline(
        Attempt.objects.select_for_update().select_related("exam").get(pk=attempt.pk)
    )


def _check_owner(attempt: Attempt, member: Member | None) -> None:
    if member is None or attempt.member_id != member.pk:
        raise ExamError("这份答卷不属于您。", status=403)


def _clean(answer: AttemptAnswer, response):
    """The answer's response in its stored form (rules.clean_response); raises
    rules.AnswerKeyError for one that cannot be an answer to it."""
    return rules.clean_response(answer.kind, response, answer.letters, answer.blanks)


def _cleaned_response(answer: AttemptAnswer, response):
    """The answer's response in its stored form, or ExamError (400) saying why not."""
    try:
        return _clean(answer, response)
    except rules.AnswerKeyError as exc:
        raise ExamError(f"第 {answer.position} 题：{exc}。", status=400) from None


def _check_not_daily(attempt: Attempt) -> None:
    """每日答题 shows each key once the answer is in: its answers are final, saved and
    marked one at a time by ``answer_and_mark``, never changed or handed in here."""
    if attempt.exam.kind == Exam.Kind.DAILY:
        raise ExamError("每日答题请在每日答题页面逐题作答。", status=409)


def save_answer(
    attempt: Attempt, *, member: Member | None, position: int, response, now=None
) -> AttemptAnswer:
    """Store one response of an open attempt before its deadline."""
    _check_owner(attempt, member)
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked(attempt)
        _check_not_daily(attempt)
        if not attempt.is_open:
            raise ExamError("已交卷，答案不能再修改。", status=409)
        if now > attempt.deadline + grace():
            raise ExamError("答题时间已到，这道题的答案没有保存。", status=409)
        answer = attempt.answers.filter(position=position).first()
        if answer is None:
            raise ExamError("这道题不在您的试卷中。", status=400)
        cleaned = _cleaned_response(answer, response)
        answer.response = cleaned
        answer.saved_at = now
        answer.save(update_fields=["response", "saved_at"])
    return answer


@dataclass(frozen=True)
class Submission:
    attempt: Attempt
    already: bool
    ignored: int = 0


def submit_attempt(
    attempt: Attempt, *, member: Member | None, responses=None, now=None
) -> Submission:
    """Grade the attempt once. ``responses`` ({position: response}) from the final form
    are saved first if the time is not up; after the deadline only what was saved in
    time counts. A second submission changes nothing."""
    _check_owner(attempt, member)
    now = now or timezone.now()
    ignored = 0
    with transaction.atomic():
        attempt = _locked(attempt)
        _check_not_daily(attempt)
        if not attempt.is_open:
            return Submission(attempt, already=True)
        in_time = now <= attempt.deadline + grace()
        answers = {a.position: a for a in attempt.answers.all()}
        for position, response in (responses or {}).items():
            answer = answers.get(position)
            if answer is None or not in_time:
                ignored += 1
                continue
            try:
                cleaned = _clean(answer, response)
            except rules.AnswerKeyError:
                ignored += 1
                continue
            if cleaned != answer.response:
                answer.response = cleaned
                answer.saved_at = now
                answer.save(update_fields=["response", "saved_at"])
        _grade(
            attempt, answers.values(), at=min(now, attempt.deadline), late=not in_time
        )
    return Submission(attempt, already=False, ignored=ignored)


def answer_and_mark(
    attempt: Attempt, *, member: Member | None, position: int, response, now=None
) -> AttemptAnswer:
    """每日答题: store one answer once and mark it at once, so its key and 解析 can be
    shown; the attempt is graded when its last question is answered. An answer
    already given is never replaced (the member has seen the key)."""
    _check_owner(attempt, member)
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _locked(attempt)
        if not attempt.is_open:
            raise ExamError("今天的题目已经答完。", status=409)
        if now > attempt.deadline + grace():
            raise ExamError("这一天的答题已经结束，答案没有保存。", status=409)
        answers = list(attempt.answers.all())
        answer = next((a for a in answers if a.position == position), None)
        if answer is None:
            raise ExamError("这道题不在您今天的题目中。", status=400)
        if answer.saved_at is not None:
            raise ExamError("这道题已经作答，答案不能修改。", status=409)
        cleaned = _cleaned_response(answer, response)
        if not any(part.strip() for part in cleaned):
            raise ExamError("请先作答再提交。", status=400)
        answer.response = cleaned
        answer.saved_at = now
        answer.correct = rules.is_correct(answer.kind, answer.key, cleaned)
        answer.save(update_fields=["response", "saved_at", "correct"])
        if all(a.saved_at is not None for a in answers):
            _grade(attempt, answers, at=now, late=False)
    return answer


def finish_if_overdue(attempt: Attempt, *, now=None) -> bool:
    """Grade an open attempt whose time ran out (when anyone looks at it)."""
    now = now or timezone.now()
    if not attempt.is_open:
        return False
    if now <= current_deadline(attempt) + grace():
        _sync_deadline(attempt)
        return False
    with transaction.atomic():
        locked = _locked(attempt)
        if locked.is_open:
            _grade(locked, locked.answers.all(), at=locked.deadline, late=True)
    attempt.refresh_from_db()
    return True


def _grade(attempt: Attempt, answers, *, at, late: bool) -> None:
    answers = list(answers)
    correct = 0
    for answer in answers:
        answer.correct = rules.is_correct(answer.kind, answer.key, answer.response)
        correct += answer.correct
    AttemptAnswer.objects.bulk_update(answers, ["correct"])
    attempt.submitted_at = at
    attempt.timed_out = late
    attempt.correct_count = correct
    attempt.question_count = len(answers)
    attempt.score = rules.score(correct, len(answers))
    attempt.passed = attempt.score >= attempt.exam.pass_score
    attempt.save(
        update_fields=[
            "submitted_at", "timed_out", "correct_count", "question_count", "score",
            "passed",
        ]
    )  # fmt: skip
    if attempt.passed and attempt.exam.kind == Exam.Kind.FINAL:
        from school.services import complete_course_if_done

        complete_course_if_done(attempt.member_id, attempt.exam.course_id, at)


def has_passed_final(member_id: int, course) -> bool:
    """The school's completion requirement: a course with an open 结业考试 counts as
    complete only once the member passed it."""
    exam = Exam.objects.filter(course_id=course.pk, kind=Exam.Kind.FINAL).first()
    if exam is None or not exam.is_active:
        return True
    return Attempt.objects.filter(exam=exam, member_id=member_id, passed=True).exists()


def exams_for_pages(page_ids) -> dict[int, Exam]:
    """Active exams attached to these lesson or course pages, by page id."""
    found = {}
    for exam in Exam.objects.filter(is_active=True).filter(
        Q(lesson_id__in=page_ids) | Q(course_id__in=page_ids)
    ):
        found[exam.lesson_id or exam.course_id] = exam
    return found
