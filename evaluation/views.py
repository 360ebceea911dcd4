"""Pages for members (phone first): their rounds, a round with the self-assessment
and the members to rate with progress, the rating form. Only members on a round's
register see it (403 for everyone else); nobody here sees who rated whom."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from home.params import id_param

from . import services
from .models import GRADE_ORDER, Grade, Participant, Rating, Round, Status


def _forbidden(request, message: str):
    return render(
        request, "evaluation/forbidden.html", {"message": message}, status=403
    )


def _round_and_member(request, pk: int):
    round = get_object_or_404(
        Round.objects.select_related("organization").exclude(status=Status.DRAFT),
        pk=pk,
    )
    member = services.participant_for(round, request.user)
    return round, member


@login_required
@never_cache
def index(request):
    """The rounds the signed-in member takes part in."""
    member = getattr(request.user, "member", None)
    rounds = []
    if member is not None:
        ids = Participant.objects.filter(member=member).values("round_id")
        rounds = list(
            Round.objects.filter(pk__in=ids)
            .exclude(status=Status.DRAFT)
            .select_related("organization")
        )
    return render(request, "evaluation/index.html", {"rounds": rounds})


def _outcome_of(round, member):
    if round.status != Status.CLOSED:
        return None
    return round.outcomes.filter(member=member).first()


@login_required
@never_cache
def detail(request, pk: int):
    """The member's round: self-assessment (POST saves it) and whom to rate."""
    round, member = _round_and_member(request, pk)
    if member is None:
        return _forbidden(request, "您不在本轮民主评议的党员名单中。")
    errors = []
    status = 200
    own = round.self_assessments.filter(member=member).first()
    text = own.text if own else ""
    if request.method == "POST":
        text = request.POST.get("text", "")
        if not isinstance(text, str):
            text = ""
        try:
            services.save_self_assessment(round, member, text)
        except services.EvaluationError as exc:
            errors, status = exc.messages, 400
        else:
            return redirect("evaluation:detail", pk=round.pk)
    given = dict(
        Rating.objects.filter(round=round, rater=member).values_list(
            "ratee_id", "grade"
        )
    )
    others = [
        {
            "member": p.member,
            "grade": Grade(given[p.member_id]).label if p.member_id in given else "",
        }
        for p in round.participants.select_related("member")
        .exclude(member=member)
        .order_by("member__real_name", "member_id")
    ]
    done = sum(1 for o in others if o["grade"])
    return render(
        request,
        "evaluation/detail.html",
        {
            "round": round,
            "phase": round.phase(),
            "member": member,
            "text": text,
            "has_self": own is not None,
            "errors": errors,
            "others": others,
            "done": done,
            "total": len(others),
            "percent": round_percent(done, len(others)),
            "outcome": _outcome_of(round, member),
        },
        status=status,
    )


def round_percent(done: int, total: int) -> int:
    return done * 100 // total if total else 100


@login_required
@never_cache
def rate(request, pk: int):
    """Rate one member (?member=<id>); after saving, on to the next one not rated."""
    round, member = _round_and_member(request, pk)
    if member is None:
        return _forbidden(request, "您不在本轮民主评议的党员名单中。")
    ratee_id = id_param(request.GET, "member")
    ratee = (
        round.participants.select_related("member")
        .filter(member_id=ratee_id)
        .exclude(member=member)
        .first()
        if ratee_id
        else None
    )
    if ratee is None:
        return render(
            request,
            "evaluation/forbidden.html",
            {"message": "请从评议页面的名单中选择要评价的党员。", "round": round},
            status=404,
        )
    ratee = ratee.member
    current = Rating.objects.filter(round=round, rater=member, ratee=ratee).first()
    grade = current.grade if current else ""
    comment = current.comment if current else ""
    errors = []
    status = 200
    if request.method == "POST":
        grade = request.POST.get("grade", "")
        comment = request.POST.get("comment", "")
        try:
            services.rate(round, member, ratee.pk, grade, comment)
        except services.EvaluationError as exc:
            errors, status = exc.messages, 400
        else:
            rated = Rating.objects.filter(round=round, rater=member).values("ratee_id")
            following = (
                round.participants.exclude(member=member)
                .exclude(member_id__in=rated)
                .order_by("member__real_name", "member_id")
                .values_list("member_id", flat=True)
                .first()
            )
            if following:
                return redirect(f"{request.path}?member={following}")
            return redirect("evaluation:detail", pk=round.pk)
    self_item = round.self_assessments.filter(member=ratee).first()
    return render(
        request,
        "evaluation/rate.html",
        {
            "round": round,
            "phase": round.phase(),
            "ratee": ratee,
            "self_text": self_item.text if self_item else "",
            "grades": [(g, Grade(g).label) for g in GRADE_ORDER],
            "grade": grade,
            "comment": comment,
            "errors": errors,
        },
        status=status,
    )
