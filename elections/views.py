"""Pages for voters: their votes, the ballot, the receipt (once), checking a
receipt, and the confirmed results."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from members.client_ip import client_ip
from members.ratelimit import RateLimited

from . import services
from .models import Election, Elector, Status
from .permissions import runs

SESSION_RECEIPT = "elections_receipt"


def _election(request, pk: int) -> Election:
    """A vote the user is on the register of, or runs; 404 otherwise."""
    election = get_object_or_404(
        Election.objects.select_related("organization").exclude(status=Status.DRAFT),
        pk=pk,
    )
    if services.elector_for(election, request.user) is None and not runs(
        request.user, election
    ):
        raise Http404("投票不存在。")
    return election


@login_required
@never_cache
def index(request):
    """The votes the signed-in member has a vote in."""
    member = getattr(request.user, "member", None)
    elections = []
    if member is not None:
        ids = Elector.objects.filter(member=member).values("election_id")
        elections = list(
            Election.objects.filter(pk__in=ids)
            .exclude(status=Status.DRAFT)
            .select_related("organization")
        )
    voted = (
        {e.pk for e in elections if services.has_voted(e, member)}
        if member is not None
        else set()
    )
    return render(
        request, "elections/index.html", {"elections": elections, "voted": voted}
    )


@login_required
@never_cache
def ballot(request, pk: int):
    """The ballot; cast_ballot decides who may vote and stores it."""
    election = _election(request, pk)
    candidates = list(election.candidates.all())
    errors = []
    status = 200
    if request.method == "POST":
        try:
            code = services.cast_ballot(election, request.POST, user=request.user)
        except services.ElectionError as exc:
            errors, status = exc.messages, 400
        else:
            request.session[SESSION_RECEIPT] = {"election": election.pk, "code": code}
            return redirect("elections:receipt", pk=election.pk)
    voted, eligible = services.turnout(election)
    chosen = (
        set(request.POST.getlist("candidate")) if request.method == "POST" else set()
    )
    return render(
        request,
        "elections/ballot.html",
        {
            "election": election,
            "candidates": [
                {"obj": c, "checked": str(c.pk) in chosen} for c in candidates
            ],
            "write_in_slots": range(election.seats) if election.allow_write_ins else [],
            "reason": services.refusal(election, request.user),
            "errors": errors,
            "voted": voted,
            "eligible": eligible,
        },
        status=status,
    )


@login_required
@never_cache
def receipt(request, pk: int):
    """The receipt code, exactly once."""
    election = _election(request, pk)
    data = request.session.pop(SESSION_RECEIPT, None)
    if not data or data.get("election") != election.pk:
        return render(
            request, "elections/receipt_gone.html", {"election": election}, status=410
        )
    response = render(
        request, "elections/receipt.html", {"election": election, "code": data["code"]}
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
def verify(request, pk: int):
    """Whether a ballot with this receipt is in the count."""
    election = _election(request, pk)
    found = None
    status = 200
    error = ""
    code = ""
    if request.method == "POST":
        code = services.normalize_receipt(request.POST.get("code", ""))
        if len(code) != services.RECEIPT_LENGTH:
            error, status = "回执码是 12 位字母和数字，请核对后再试。", 400
        else:
            try:
                found = services.verify_receipt(election, code, ip=client_ip(request))
            except RateLimited as exc:
                error, status = str(exc), 429
            else:
                status = 200 if found else 404
    return render(
        request,
        "elections/verify.html",
        {"election": election, "found": found, "error": error, "code": code},
        status=status,
    )


@login_required
@never_cache
def results(request, pk: int):
    """The confirmed result, for the register and the staff who ran the vote."""
    election = _election(request, pk)
    if election.status != Status.SIGNED:
        return render(
            request,
            "elections/results_pending.html",
            {"election": election},
            status=403,
        )
    return render(
        request,
        "elections/results.html",
        {"election": election, "tally": election.result},
    )
