"""Public pages: send feedback on an open notice, see the receipt once, track it."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from members import tracking
from members.client_ip import client_ip
from members.ratelimit import RateLimited
from members.tracked_views import TrackedSession, receipt_page

from . import services
from .forms import FeedbackForm, TrackForm
from .models import NoticeFeedback, NoticePage

SESSION_RECEIPT = "notices_receipt"
TRACKED = TrackedSession("notices_tracked")


def _notice(pk: int) -> NoticePage:
    return get_object_or_404(NoticePage.objects.live().public(), pk=pk)


@never_cache
def feedback(request, pk: int):
    """The feedback form of one notice; closed outside its 公示期."""
    notice = _notice(pk)
    status = 200
    if request.method == "POST":
        form = FeedbackForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                item, code = services.submit_feedback(
                    notice,
                    services.FeedbackData(
                        real_name=data["real_name"],
                        contact=data["contact"],
                        content=data["content"],
                    ),
                    ip=client_ip(request),
                    user=request.user,
                )
            except RateLimited as exc:
                form.add_error(None, str(exc))
                status = 429
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
                status = 400
            else:
                request.session[SESSION_RECEIPT] = {
                    "number": item.tracking_number,
                    "code": code,
                    "notice": notice.title,
                }
                return redirect("notices:sent")
        else:
            status = 400
    else:
        initial = {}
        member = getattr(request.user, "member", None)
        if request.user.is_authenticated and member is not None:
            initial["real_name"] = member.real_name
        form = FeedbackForm(initial=initial)
    return render(
        request,
        "notices/feedback_form.html",
        {"notice": notice, "form": form, "open": notice.accepts_feedback()},
        status=status,
    )


@never_cache
def sent(request):
    """Shows the number and the query code exactly once."""
    return receipt_page(
        request, SESSION_RECEIPT, "notices/sent.html", "notices/sent_expired.html"
    )


def _tracked(request) -> NoticeFeedback | None:
    pk = TRACKED.pk(request)
    if pk is None:
        return None
    return NoticeFeedback.objects.select_related("notice").filter(pk=pk).first()


@never_cache
def track(request):
    """Number + code → the feedback, its status and the reply."""
    item = None
    form = TrackForm()
    status = 200
    if request.method == "POST":
        form = TrackForm(request.POST)
        if form.is_valid():
            status = TRACKED.open(
                request,
                form,
                services.find_tracked_feedback,
                wrong="反馈编号或查询码不正确，请核对后再试。",
            )
            if status is None:
                return redirect("notices:track")
        else:
            status = 400
    elif "leave" in request.GET:
        TRACKED.forget(request)
    else:
        item = _tracked(request)
    response = render(
        request, "notices/track.html", {"form": form, "item": item}, status=status
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def mine(request, number: str):
    """Feedback the signed-in account sent, opened without its query code."""
    normalized = tracking.normalize_tracking_number(number[:40])
    if normalized is None:
        raise Http404("反馈不存在。")
    item = get_object_or_404(
        NoticeFeedback.objects.filter(writer=request.user), tracking_number=normalized
    )
    TRACKED.remember(request, item)
    return redirect("notices:track")
