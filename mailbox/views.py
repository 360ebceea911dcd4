"""Public pages: write a letter, confirm, track, rate; published letters; the board."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from home.params import id_param
from members import tracking
from members.client_ip import client_ip
from members.tracked_views import TrackedSession, receipt_page

from . import services
from .forms import (
    AppealForm,
    BoardMessageForm,
    FollowUpForm,
    LetterForm,
    RatingForm,
    ReportForm,
    TrackForm,
    retention_years,
)
from .models import BoardCategory, BoardMessage, Letter, LetterReply, Mailbox
from .uploads import size_text

SESSION_RECEIPT = "mailbox_receipt"
TRACKED = TrackedSession("mailbox_tracked")


def max_letter_body() -> int:
    """Three attachments at their limit plus 2 MB of text fields and multipart
    overhead (32 MB by default; nginx's body limit for letter writing matches it)."""
    return (
        services.MAX_ATTACHMENTS * settings.PORTAL_MAILBOX_ATTACHMENT_MAX_BYTES
        + 2 * 1024 * 1024
    )


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _form_defaults(request) -> dict:
    initial = {"submission_token": services.new_submission_token()}
    mailbox_id = id_param(request.GET, "mailbox")
    if mailbox_id:
        initial["mailbox"] = mailbox_id
    member = (
        getattr(request.user, "member", None) if request.user.is_authenticated else None
    )
    if member is not None:
        initial["real_name"] = member.real_name
    return initial


@never_cache
def write(request):
    """The letter form; a valid post goes to the one-time confirmation page."""
    mailboxes = Mailbox.objects.filter(is_active=True)
    if request.method == "POST" and _declared_length(request) > max_letter_body():
        return render(
            request,
            "mailbox/too_large.html",
            {
                "max_attachments": services.MAX_ATTACHMENTS,
                "attachment_limit": size_text(services.attachment_limit()),
            },
            status=413,
        )
    if request.method == "POST":
        form = LetterForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                letter, code = services.submit_letter(
                    services.LetterData(
                        mailbox=data["mailbox"],
                        letter_type=data["letter_type"],
                        subject=data["subject"],
                        content=data["content"],
                        real_name=data["real_name"],
                        phone=data["phone"],
                        email=data["email"],
                        consent_public=data["consent_public"],
                        privacy_accepted=data["privacy"],
                        submission_token=data["submission_token"],
                    ),
                    files=data["attachments"],
                    ip=client_ip(request),
                    user=request.user,
                )
            except services.RateLimited as exc:
                form.add_error(None, str(exc))
                return render(
                    request,
                    "mailbox/write.html",
                    _write_context(form, mailboxes),
                    status=429,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                request.session[SESSION_RECEIPT] = {
                    "number": letter.tracking_number,
                    "code": code,
                    "mailbox": letter.mailbox.name,
                    "has_contact": letter.has_contact,
                }
                return redirect("mailbox:sent")
    else:
        form = LetterForm(initial=_form_defaults(request))
    return render(request, "mailbox/write.html", _write_context(form, mailboxes))


def _write_context(form, mailboxes) -> dict:
    return {
        "form": form,
        "mailboxes": mailboxes,
        "retention": retention_years(),
    }


@never_cache
def sent(request):
    """Shows the number and the query code exactly once."""
    return receipt_page(
        request, SESSION_RECEIPT, "mailbox/sent.html", "mailbox/sent_expired.html"
    )


def _tracked_letter(request) -> Letter | None:
    pk = TRACKED.pk(request)
    if pk is None:
        return None
    return (
        Letter.objects.select_related("mailbox")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=LetterReply.objects.filter(status=LetterReply.Status.SIGNED),
            )
        )
        .filter(pk=pk)
        .first()
    )


@never_cache
def track(request):
    """Number + code → status, public history and signed-off replies."""
    letter = None
    form = TrackForm()
    status = 200
    if request.method == "POST" and "number" in request.POST:
        form = TrackForm(request.POST)
        if form.is_valid():
            status = TRACKED.open(
                request,
                form,
                services.find_tracked_letter,
                wrong="信件编号或查询码不正确，请核对后再试。",
            )
            if status is None:
                return redirect("mailbox:track")
    elif request.method == "GET":
        letter = _tracked_letter(request)
    if request.GET.get("leave") is not None:
        TRACKED.forget(request)
        letter = None
    context = {"form": form, "letter": letter}
    if letter is not None:
        context.update(
            events=letter.events.filter(is_public=True),
            replies=letter.signed_replies,
            rating_form=RatingForm(),
            follow_up_form=FollowUpForm(),
        )
    response = render(request, "mailbox/track.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def my_letter(request, number: str):
    """A letter the signed-in account wrote, opened without its query code: the
    tracking page, as if number and code had been typed."""
    normalized = tracking.normalize_tracking_number(number[:40])
    if normalized is None:
        raise Http404("信件不存在。")
    letter = get_object_or_404(
        Letter.objects.filter(writer=request.user), tracking_number=normalized
    )
    TRACKED.remember(request, letter)
    return redirect("mailbox:track")


def _act_on_tracked_letter(request, form_class, act, *, done: str, invalid: str):
    """A writer's action on the letter they opened (a rating, a follow-up question):
    ``act(letter, cleaned_data)`` runs the service; its refusal or ``invalid`` (a
    form error) or ``done`` is shown on the tracking page."""
    letter = _tracked_letter(request)
    if letter is None:
        messages.error(request, "查询已超时，请重新输入信件编号和查询码。")
        return redirect("mailbox:track")
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(letter, form.cleaned_data)
            messages.success(request, done)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, invalid)
    return redirect("mailbox:track")


@require_POST
def rate(request):
    return _act_on_tracked_letter(
        request,
        RatingForm,
        lambda letter, data: services.rate_letter(
            letter, satisfaction=data["satisfaction"], comment=data["comment"]
        ),
        done="感谢您的评价。",
        invalid="请选择满意程度。",
    )


@require_POST
def follow_up(request):
    return _act_on_tracked_letter(
        request,
        FollowUpForm,
        lambda letter, data: services.ask_follow_up(letter, question=data["question"]),
        done="追问已提交，我们将尽快答复。",
        invalid="追问内容须为 1—1000 个字。",
    )


def published_letters(request):
    """来信选登: chosen letters with their replies, no personal data."""
    letters = (
        Letter.objects.published()
        .select_related("mailbox")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=LetterReply.objects.filter(status=LetterReply.Status.SIGNED),
            )
        )
        .order_by("-published_at")
    )
    page = Paginator(letters, 10).get_page(request.GET.get("page"))
    return render(request, "mailbox/published_list.html", {"page_obj": page})


def published_letter(request, public_id):
    """One published letter, addressed by its public id (never its tracking number)."""
    letter = get_object_or_404(
        Letter.objects.published().select_related("mailbox"), public_id=public_id
    )
    return render(
        request,
        "mailbox/published_detail.html",
        {"letter": letter, "replies": letter.signed_replies},
    )


# Message board ---------------------------------------------------------------------


def board(request):
    """Approved public messages with replies, newest first, paginated."""
    messages_qs = BoardMessage.objects.public().with_related()
    category = None
    category_id = id_param(request.GET, "category")
    if category_id:
        category = BoardCategory.objects.filter(pk=category_id).first()
        if category:
            messages_qs = messages_qs.filter(category=category)
    page = Paginator(messages_qs, 10).get_page(request.GET.get("page"))
    return render(
        request,
        "mailbox/board.html",
        {
            "page_obj": page,
            "categories": BoardCategory.objects.all(),
            "category": category,
            "report_form": ReportForm(),
        },
    )


def board_message(request, pk: int):
    message = get_object_or_404(BoardMessage.objects.public().with_related(), pk=pk)
    return render(
        request,
        "mailbox/board_detail.html",
        {"message": message, "report_form": ReportForm()},
    )


@login_required
def board_post(request):
    if request.method == "POST":
        form = BoardMessageForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.post_message(
                    author=request.user,
                    category=data["category"],
                    title=data["title"],
                    body=data["body"],
                    anonymous=data["anonymous"],
                )
            except services.RateLimited as exc:
                form.add_error(None, str(exc))
                return render(
                    request, "mailbox/board_post.html", {"form": form}, status=429
                )
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(
                    None, "；".join(getattr(exc, "messages", None) or [str(exc)])
                )
            else:
                messages.success(request, "留言已提交，审核通过后公开显示。")
                return redirect("mailbox:board_mine")
        elif form.is_valid():
            return redirect("mailbox:board_mine")
    else:
        form = BoardMessageForm()
    return render(request, "mailbox/board_post.html", {"form": form})


@login_required
def board_mine(request):
    """The author's own messages in every state, with reasons and appeals."""
    own = BoardMessage.objects.filter(author=request.user).with_related()
    page = Paginator(own, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "mailbox/board_mine.html",
        {"page_obj": page, "appeal_form": AppealForm()},
    )


@login_required
@require_POST
def board_appeal(request, pk: int):
    message = get_object_or_404(BoardMessage, pk=pk, author=request.user)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_message(
                message, by=request.user, text=form.cleaned_data["text"]
            )
            messages.success(request, "申诉已提交，审核员将重新审核。")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, "申诉理由须为 1—500 个字。")
    return redirect("mailbox:board_mine")


@require_POST
def board_report(request, pk: int):
    message = BoardMessage.objects.public().filter(pk=pk).first()
    if message is None:
        raise Http404
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写举报理由（不超过 200 字）。")
        return redirect("mailbox:board_message", pk=pk)
    try:
        created = services.report_message(
            message,
            reason=form.cleaned_data["reason"],
            reporter=request.user,
            ip=client_ip(request),
        )
    except services.RateLimited as exc:
        messages.error(request, str(exc))
        response = board_message(request, pk)
        response.status_code = 429
        return response
    else:
        messages.success(
            request,
            "举报已收到，我们会尽快核实。" if created else "您已举报过这条留言。",
        )
    return redirect("mailbox:board_message", pk=pk)
