"""Use cases of 网上调查: who may answer, answering once, results and export."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from members import ratelimit
from members.exports import Sheet
from members.ratelimit import Limit, RateLimited

from .models import Answer, Audience, Question, QuestionKind, Response, Survey

__all__ = ["RateLimited"]

TEXT_LIMIT = 1000


def _key() -> bytes:
    return hashlib.sha256(f"survey-respondent:{settings.SECRET_KEY}".encode()).digest()


def respondent_key(survey: Survey, *, user=None, token: str = "") -> str:
    """Who answered, as a digest that cannot be turned back into an account."""
    ident = f"user:{user.pk}" if user is not None and user.is_authenticated else token
    return hmac.new(_key(), f"{survey.pk}|{ident}".encode(), hashlib.sha256).hexdigest()


def _member(user):
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "member", None)


def eligibility(survey: Survey, user) -> str:
    """'' when the user may answer now, else the Chinese reason why not."""
    state = survey.state()
    if state in ("draft", "upcoming"):
        return "该调查尚未开始。"
    if state == "closed":
        return "该调查已结束，不再接收答卷。"
    if survey.audience == Audience.PUBLIC:
        return ""
    member = _member(user)
    if member is None:
        return "该调查仅面向党员，请先登录。"
    if survey.audience == Audience.ORGANIZATION and not (
        member.organization.path.startswith(survey.audience_organization.path)
    ):
        return (
            f"该调查面向{survey.audience_organization.name}的党员，您不在调查范围内。"
        )
    return ""


def has_answered(survey: Survey, *, user=None, token: str = "") -> bool:
    if (user is None or not user.is_authenticated) and not token:
        return False
    return Response.objects.filter(
        survey=survey, respondent_key=respondent_key(survey, user=user, token=token)
    ).exists()


@dataclass
class Parsed:
    options: dict[int, list[int]] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)


def parse_answers(questions: list[Question], data) -> Parsed:
    """The answers of a submitted form (a QueryDict); ValidationError listing every
    unanswered required question and every option that is not one of the question's."""
    parsed, errors = Parsed(), []
    for number, question in enumerate(questions, start=1):
        name = f"q{question.pk}"
        if question.kind == QuestionKind.TEXT:
            text = (data.get(name) or "").strip()
            if "\x00" in text or len(text) > TEXT_LIMIT:
                errors.append(f"第 {number} 题的回答不能超过 {TEXT_LIMIT} 字。")
            elif text:
                parsed.texts[question.pk] = text
            elif question.required:
                errors.append(f"请回答第 {number} 题。")
            continue
        raw = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        raw = [value for value in raw if value not in (None, "")]
        if question.kind != QuestionKind.MULTIPLE and len(raw) > 1:
            errors.append(f"第 {number} 题只能选一项。")
            continue
        count = len(question.choices)
        chosen = []
        for value in raw:
            if not (isinstance(value, str) and value.isascii() and value.isdigit()):
                chosen = None
                break
            index = int(value)
            if index >= count:
                chosen = None
                break
            chosen.append(index)
        if chosen is None:
            errors.append(f"第 {number} 题的选项无效，请刷新页面后重新作答。")
        elif chosen:
            parsed.options[question.pk] = sorted(set(chosen))
        elif question.required:
            errors.append(f"请回答第 {number} 题。")
    if errors:
        raise ValidationError(errors)
    return parsed


def _limits(survey: Survey, ip: str | None) -> list[Limit]:
    if not ip or survey.audience != Audience.PUBLIC:
        return []
    limit, window = settings.PORTAL_SURVEYS_PUBLIC_PER_IP
    return [Limit("survey-ip", f"{survey.pk}|{ip}", limit, window)]


def submit_response(
    survey: Survey, data, *, user=None, token: str = "", ip: str | None = None
) -> Response:
    """Store one person's answers, all or nothing.

    Refused with a Chinese ValidationError outside the survey's time, for people
    outside its audience, for a second response (the unique respondent key, also
    under concurrency) and for answers that are not the survey's; public responses
    are also limited per address (PORTAL_SURVEYS_PUBLIC_PER_IP)."""
    reason = eligibility(survey, user)
    if reason:
        raise ValidationError(reason)
    authenticated = user is not None and user.is_authenticated
    if not authenticated and not token:
        raise ValidationError("请允许浏览器保存 Cookie 后再提交。")
    questions = list(survey.questions.all())
    parsed = parse_answers(questions, data)
    key = respondent_key(survey, user=user if authenticated else None, token=token)
    if Response.objects.filter(survey=survey, respondent_key=key).exists():
        raise ValidationError("您已经提交过本调查，每人只能提交一次。")
    limits = _limits(survey, ip)
    if not ratelimit.acquire(*limits):
        raise RateLimited("同一网络提交的答卷过多，请稍后再试。")
    member = _member(user)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey,
                respondent_key=key,
                member=None if survey.anonymous else member,
            )
            answers = [
                Answer(response=response, question_id=qid, option=index)
                for qid, indexes in parsed.options.items()
                for index in indexes
            ] + [
                Answer(response=response, question_id=qid, text=text)
                for qid, text in parsed.texts.items()
            ]
            Answer.objects.bulk_create(answers)
    except IntegrityError:
        ratelimit.release(*limits)
        raise ValidationError("您已经提交过本调查，每人只能提交一次。") from None
    return response


def log_change(survey: Survey, action: str, *, by) -> None:
    """Audit a change made in the admin."""
    log(survey, action, user=by, data={"title": survey.title})


def open_survey(survey: Survey, *, by) -> Survey:
    """Publish the survey: it takes responses from its opening time on."""
    if survey.is_published:
        raise ValidationError("该调查已经发布。")
    if survey.closes_at <= timezone.now():
        raise ValidationError("截止时间已过，请先修改截止时间再发布。")
    if not survey.questions.exists():
        raise ValidationError("调查还没有题目，不能发布。")
    with transaction.atomic():
        survey.is_published = True
        survey.save(update_fields=["is_published"])
        log_change(survey, "surveys.open", by=by)
        transaction.on_commit(lambda: _announce(survey.pk), robust=True)
    return survey


def _announce(survey_id: int) -> None:
    from .tasks import announce_survey

    announce_survey.enqueue(survey_id)


def close_survey(survey: Survey, *, by) -> Survey:
    """End a running (or not yet started) survey now; its responses stay."""
    now = timezone.now()
    if not survey.is_published or survey.closes_at <= now:
        raise ValidationError("只有已发布且未结束的调查才能结束。")
    with transaction.atomic():
        survey.closes_at = now
        if survey.opens_at > now:
            survey.opens_at = now
        survey.save(update_fields=["closes_at", "opens_at"])
        log_change(survey, "surveys.close", by=by)
    return survey


# Results ---------------------------------------------------------------------------


@dataclass
class OptionResult:
    label: str
    count: int
    percent: int


@dataclass
class QuestionResult:
    question: Question
    number: int
    answered: int
    options: list[OptionResult] = field(default_factory=list)
    average: float | None = None
    texts: list[str] = field(default_factory=list)


def results(survey: Survey) -> tuple[int, list[QuestionResult]]:
    """Responses in total and, per question, counts per option (percent of the
    people who answered the question), the average rating, and the texts."""
    total = survey.responses.count()
    questions = list(survey.questions.all())
    counts = Counter(
        Answer.objects.filter(response__survey=survey, option__isnull=False)
        .values_list("question_id", "option")
        .order_by()
    )
    answered = Counter(
        qid
        for qid, _response in Answer.objects.filter(response__survey=survey)
        .values_list("question_id", "response_id")
        .distinct()
        .order_by()
    )
    texts: dict[int, list[str]] = {}
    for qid, text in (
        Answer.objects.filter(response__survey=survey)
        .exclude(text="")
        .values_list("question_id", "text")
        .order_by("pk")
    ):
        texts.setdefault(qid, []).append(text)
    out = []
    for number, question in enumerate(questions, start=1):
        n = answered[question.pk]
        result = QuestionResult(question=question, number=number, answered=n)
        if question.has_choices:
            for index, label in enumerate(question.choices):
                count = counts[(question.pk, index)]
                result.options.append(
                    OptionResult(label, count, round(100 * count / n) if n else 0)
                )
            if question.kind == QuestionKind.RATING and n:
                result.average = round(
                    sum((i + 1) * o.count for i, o in enumerate(result.options)) / n, 2
                )
        else:
            result.texts = texts.get(question.pk, [])
        out.append(result)
    return total, out


def export_sheet(survey: Survey) -> Sheet:
    """One row per response, one column per question (members.exports)."""
    questions = list(survey.questions.all())
    header = ["序号", "提交日期"]
    if not survey.anonymous:
        header.append("党员")
    header += [f"{n}. {q.text}" for n, q in enumerate(questions, start=1)]
    responses = (
        survey.responses.select_related("member")
        .prefetch_related("answers")
        .order_by("pk")
    )

    def rows():
        for number, response in enumerate(responses, start=1):
            by_question: dict[int, list[str]] = {}
            for answer in response.answers.all():
                by_question.setdefault(answer.question_id, []).append(
                    answer.text or _label(questions, answer)
                )
            row = [number, response.submitted_on.isoformat()]
            if not survey.anonymous:
                row.append(response.member.real_name if response.member else "")
            row += ["；".join(by_question.get(q.pk, [])) for q in questions]
            yield row

    return Sheet(header, rows(), title="答卷")


def _label(questions: list[Question], answer: Answer) -> str:
    for question in questions:
        if question.pk == answer.question_id:
            choices = question.choices
            return choices[answer.option] if answer.option < len(choices) else ""
    return ""


def open_surveys_for(user):
    """Published surveys running now that this visitor may answer."""
    now = timezone.now()
    return [s for s in Survey.objects.open_at(now) if not eligibility(s, user)]
