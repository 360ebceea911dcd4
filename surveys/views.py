"""Public pages: the surveys open to this visitor, answering one, its results."""

from __future__ import annotations

import secrets

from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from members.client_ip import client_ip
from members.ratelimit import RateLimited

from . import services
from .models import Audience, QuestionKind, Survey
from .permissions import manages, may_open, may_see_results

# A random id for visitors without an account: one response per browser.
VISITOR_COOKIE = "survey_visitor"
VISITOR_COOKIE_SALT = "surveys.visitor"
VISITOR_COOKIE_AGE = 365 * 24 * 3600


def _visitor_token(request) -> str:
    try:
        token = request.get_signed_cookie(
            VISITOR_COOKIE, default="", salt=VISITOR_COOKIE_SALT
        )
    except signing.BadSignature:
        return ""
    if not (isinstance(token, str) and len(token) == 32 and token.isalnum()):
        return ""
    return token


def _keep_visitor_token(request, response, token: str) -> None:
    if not token:
        token = secrets.token_hex(16)
    response.set_signed_cookie(
        VISITOR_COOKIE,
        token,
        salt=VISITOR_COOKIE_SALT,
        max_age=VISITOR_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


def _survey(request, pk: int) -> Survey:
    """A published survey, or any survey its staff manage (to preview it)."""
    survey = get_object_or_404(
        Survey.objects.select_related("owner", "audience_organization"), pk=pk
    )
    if not survey.is_published and not manages(request.user, survey):
        raise Http404("调查不存在。")
    return survey


def _answered(request, survey: Survey) -> bool:
    user = request.user if request.user.is_authenticated else None
    return services.has_answered(survey, user=user, token=_visitor_token(request))


def _fields(questions, data) -> list[dict]:
    """Each question with its input name, choices (ticked as sent) and text."""
    fields = []
    for number, question in enumerate(questions, start=1):
        name = f"q{question.pk}"
        sent = set(data.getlist(name)) if data is not None else set()
        fields.append(
            {
                "number": number,
                "question": question,
                "name": name,
                "multiple": question.kind == QuestionKind.MULTIPLE,
                "rating": question.kind == QuestionKind.RATING,
                "text": (data.get(name, "") if data is not None else "")[:1000],
                "choices": [
                    {"value": str(i), "label": label, "checked": str(i) in sent}
                    for i, label in enumerate(question.choices)
                ],
            }
        )
    return fields


@never_cache
def index(request):
    """Surveys this visitor may answer now, and finished ones with open results."""
    now = timezone.now()
    running = services.open_surveys_for(request.user)
    finished = [
        survey
        for survey in Survey.objects.published()
        .filter(closes_at__lte=now, results_visibility="public")
        .select_related("owner")[:20]
        if may_open(survey, request.user)
    ]
    return render(
        request, "surveys/index.html", {"running": running, "finished": finished}
    )


@never_cache
def answer(request, pk: int):
    """The questionnaire; submit_response decides who may answer and stores it."""
    survey = _survey(request, pk)
    token = _visitor_token(request)
    user = request.user if request.user.is_authenticated else None
    questions = list(survey.questions.all())
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            services.submit_response(
                survey, request.POST, user=user, token=token, ip=client_ip(request)
            )
        except RateLimited as exc:
            errors, status = [str(exc)], 429
        except ValidationError as exc:
            errors, status = exc.messages, 400
        else:
            return redirect("surveys:done", pk=survey.pk)
    reason = services.eligibility(survey, request.user)
    answered = services.has_answered(survey, user=user, token=token)
    if reason and status == 200:
        status = 403 if survey.state() == "open" else 200
    response = render(
        request,
        "surveys/answer.html",
        {
            "survey": survey,
            "fields": _fields(
                questions, request.POST if request.method == "POST" else None
            ),
            "reason": reason,
            "answered": answered,
            "errors": errors,
            "needs_login": reason
            and survey.audience != Audience.PUBLIC
            and not request.user.is_authenticated,
            "results_open": may_see_results(survey, request.user, answered=answered),
        },
        status=status,
    )
    if survey.audience == Audience.PUBLIC:
        _keep_visitor_token(request, response, token)
    return response


@never_cache
def done(request, pk: int):
    """Thanks, with the results if the survey shows them to respondents."""
    survey = _survey(request, pk)
    answered = _answered(request, survey)
    if not answered:
        return redirect("surveys:answer", pk=survey.pk)
    return render(
        request,
        "surveys/done.html",
        {
            "survey": survey,
            "results_open": may_see_results(survey, request.user, answered=True),
        },
    )


@never_cache
def results(request, pk: int):
    """Charts per question and the free-text answers, to whom the survey allows."""
    survey = _survey(request, pk)
    if not may_see_results(survey, request.user, answered=_answered(request, survey)):
        return render(
            request, "surveys/results_closed.html", {"survey": survey}, status=403
        )
    total, questions = services.results(survey)
    return render(
        request,
        "surveys/results.html",
        {"survey": survey, "total": total, "questions": questions},
    )
