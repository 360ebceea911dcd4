"""Admin screens for handlers, leaders and moderators (mounted under /admin/mailbox/)."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from home.params import choice_param, id_param, text_param, year_param

from . import services
from .exports import table_response
from .models import (
    BoardMessage,
    Letter,
    LetterReply,
    LetterStatus,
    LetterType,
    Mailbox,
    RejectReason,
)
from .permissions import (
    can_handle_letter,
    can_moderate_board,
    can_publish_letters,
    can_sign_off,
    can_use_mailbox_admin,
    can_view_letter,
    can_view_statistics,
)
from .stats import letter_statistics, statistics_table


def forbidden_as_403(view):
    """Answer 403 (Wagtail's admin would otherwise redirect to the dashboard)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            return render(request, "403.html", status=403)

    return wrapped


def mask_name(name: str) -> str:
    return (name[0] + "*" * (len(name) - 1)) if name else ""


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_email(email: str) -> str:
    if "@" not in email:
        return "*" * len(email)
    local, domain = email.split("@", 1)
    return local[:1] + "***@" + domain


def _require_mailbox_admin(request) -> None:
    if not can_use_mailbox_admin(request.user):
        raise PermissionDenied


def _visible_letter(request, pk: int) -> Letter:
    letter = get_object_or_404(Letter.objects.select_related("mailbox"), pk=pk)
    if not can_view_letter(request.user, letter):
        raise PermissionDenied
    return letter


def _filtered_letters(request):
    letters = Letter.objects.visible_to(request.user).select_related("mailbox")
    status = choice_param(request.GET, "status", LetterStatus.values)
    if status:
        letters = letters.filter(status=status)
    mailbox = id_param(request.GET, "mailbox")
    if mailbox:
        letters = letters.filter(mailbox_id=mailbox)
    flag = choice_param(request.GET, "flag", ("overdue", "open", "sign_off"))
    today = timezone.localdate()
    if flag == "overdue":
        letters = letters.overdue(today)
    elif flag == "open":
        letters = letters.open()
    elif flag == "sign_off":
        letters = letters.filter(replies__status=LetterReply.Status.AWAITING).distinct()
    query = text_param(request.GET, "q", max_length=100)
    if query:
        letters = letters.filter(
            Q(tracking_number__icontains=query) | Q(subject__icontains=query)
        )
    return letters


def letter_list(request):
    _require_mailbox_admin(request)
    letters = _filtered_letters(request)
    page = Paginator(letters, 30).get_page(request.GET.get("page"))
    today = timezone.localdate()
    calendar = services.working_calendar()
    rows = [
        {
            "letter": letter,
            "flag": services.deadline_flag(letter, today, calendar),
            "name": mask_name(letter.real_name),
        }
        for letter in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "mailbox/admin/letter_list.html",
        {
            "rows": rows,
            "page_obj": page,
            "statuses": LetterStatus.choices,
            "mailboxes": Mailbox.objects.filter(
                pk__in=Letter.objects.visible_to(request.user).values("mailbox")
            ),
            "filters": request.GET,
            "querystring": query.urlencode(),
            "can_export": True,
        },
    )


def letter_detail(request, pk: int, *, contact: dict | None = None):
    letter = _visible_letter(request, pk)
    user = request.user
    today = timezone.localdate()
    return render(
        request,
        "mailbox/admin/letter_detail.html",
        {
            "letter": letter,
            "flag": services.deadline_flag(letter, today, services.working_calendar()),
            "contact": contact,
            "masked": {
                "real_name": mask_name(letter.real_name),
                "phone": mask_phone(letter.phone),
                "email": mask_email(letter.email),
            },
            "events": letter.events.select_related("actor"),
            "replies": letter.replies.select_related("drafted_by", "reviewed_by"),
            "attachments": letter.attachments.all(),
            "awaiting": letter.replies.filter(
                status=LetterReply.Status.AWAITING
            ).first(),
            "can_handle": can_handle_letter(user, letter),
            "can_sign_off": can_sign_off(user, letter),
            "can_publish": can_publish_letters(user),
            "reject_reasons": RejectReason.choices,
            "other_mailboxes": Mailbox.objects.filter(is_active=True).exclude(
                pk=letter.mailbox_id
            ),
        },
    )


@require_POST
def letter_contact(request, pk: int):
    letter = _visible_letter(request, pk)
    contact = services.reveal_contact(letter, by=request.user)
    response = letter_detail(request, pk, contact=contact)
    response["Cache-Control"] = "no-store"
    return response


def _reply_for(letter: Letter, request) -> LetterReply:
    reply_id = id_param(request.POST, "reply")
    return get_object_or_404(LetterReply, pk=reply_id or 0, letter=letter)


def _text(post, name: str) -> str:
    """A posted text field (the services check its length); NUL is refused (400)."""
    return text_param(post, name, max_length=20_000)


def _run_step(request, steps: dict, action: str) -> None:
    """Run the service call named by the posted action and report it to the user."""
    if action not in steps:
        raise Http404
    try:
        steps[action]()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "操作已完成。")


@require_POST
def letter_action(request, pk: int, action: str):
    letter = _visible_letter(request, pk)
    user, post = request.user, request.POST
    steps = {
        "accept": lambda: services.accept_letter(letter, by=user),
        "reject": lambda: services.reject_letter(
            letter, by=user, reason=_text(post, "reason"), note=_text(post, "note")
        ),
        "transfer": lambda: services.transfer_letter(
            letter,
            by=user,
            to=get_object_or_404(Mailbox, pk=id_param(post, "mailbox") or 0),
            note=_text(post, "note"),
        ),
        "note": lambda: services.add_note(letter, by=user, text=_text(post, "text")),
        "draft": lambda: services.draft_reply(
            letter, by=user, body=_text(post, "body")
        ),
        "sign_off": lambda: services.sign_off_reply(
            _reply_for(letter, request), by=user, comment=_text(post, "comment")
        ),
        "return": lambda: services.return_reply(
            _reply_for(letter, request), by=user, comment=_text(post, "comment")
        ),
        "close": lambda: services.close_letter(letter, by=user),
        "publish": lambda: services.publish_letter(
            letter,
            by=user,
            subject=_text(post, "public_subject"),
            content=_text(post, "public_content"),
        ),
        "unpublish": lambda: services.unpublish_letter(letter, by=user),
    }
    _run_step(request, steps, action)
    return redirect("mailbox_admin:letter", pk=letter.pk)


def attachment(request, pk: int, attachment_pk: int):
    letter = _visible_letter(request, pk)
    item = get_object_or_404(letter.attachments, pk=attachment_pk)
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.display_name,
        content_type=item.content_type,
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def letter_export(request):
    _require_mailbox_admin(request)
    letters = _filtered_letters(request)
    rows = [
        [
            "信件编号",
            "信箱",
            "类型",
            "标题",
            "状态",
            "来信时间",
            "答复期限",
            "首次答复",
            "满意度",
            "来信人（脱敏）",
        ]
    ]
    for letter in letters:
        rows.append(
            [
                letter.tracking_number,
                letter.mailbox.name,
                letter.get_letter_type_display(),
                letter.subject,
                letter.get_status_display(),
                f"{timezone.localtime(letter.submitted_at):%Y-%m-%d %H:%M}",
                f"{letter.due_date:%Y-%m-%d}",
                f"{timezone.localtime(letter.first_replied_at):%Y-%m-%d %H:%M}"
                if letter.first_replied_at
                else "",
                letter.get_satisfaction_display() if letter.satisfaction else "",
                mask_name(letter.real_name),
            ]
        )
    services.log_export(request.user, "来信列表", len(rows) - 1)
    return table_response(rows, filename="letters", fmt=_export_format(request))


def _statistics_letters(request):
    if not can_view_statistics(request.user):
        raise PermissionDenied
    letters = Letter.objects.visible_to(request.user)
    year = year_param(request.GET, "year")
    if year:
        letters = letters.filter(submitted_at__year=year)
    return letters


def _export_format(request) -> str:
    return choice_param(request.GET, "format", ("csv", "xlsx"), default="csv")


def statistics(request):
    letters = _statistics_letters(request)
    stats = letter_statistics(letters)
    return render(
        request,
        "mailbox/admin/statistics.html",
        {
            "stats": stats,
            "year": year_param(request.GET, "year") or "",
            "types": LetterType.choices,
        },
    )


def statistics_export(request):
    letters = _statistics_letters(request)
    table = statistics_table(letter_statistics(letters))
    services.log_export(request.user, "信箱统计", len(table) - 1)
    return table_response(
        table, filename="mailbox-statistics", fmt=_export_format(request)
    )


# Board moderation ---------------------------------------------------------------------

BOARD_TABS = [
    ("pending", "待审核"),
    ("flagged", "敏感词命中"),
    ("reported", "被举报"),
    ("appeals", "申诉"),
    ("all", "全部"),
]


def board_queue(request):
    if not can_moderate_board(request.user):
        raise PermissionDenied
    tab = choice_param(request.GET, "tab", dict(BOARD_TABS), default="pending")
    qs = BoardMessage.objects.with_related()
    if tab == "pending":
        qs = qs.filter(status=BoardMessage.Status.PENDING)
    elif tab == "flagged":
        qs = qs.exclude(flagged_words="").filter(status=BoardMessage.Status.PENDING)
    elif tab == "reported":
        qs = qs.filter(reports__resolved=False).distinct()
    elif tab == "appeals":
        qs = qs.filter(appeal_status=BoardMessage.AppealStatus.OPEN)
    page = Paginator(qs.prefetch_related("reports"), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "mailbox/admin/board_queue.html",
        {"page_obj": page, "tab": tab, "tabs": BOARD_TABS},
    )


@require_POST
def board_action(request, pk: int, action: str):
    if not can_moderate_board(request.user):
        raise PermissionDenied
    message = get_object_or_404(BoardMessage, pk=pk)
    user, post = request.user, request.POST
    steps = {
        "approve": lambda: services.approve_message(message, by=user),
        "reject": lambda: services.reject_message(
            message, by=user, reason=_text(post, "reason")
        ),
        "hide": lambda: services.hide_message(
            message, by=user, reason=_text(post, "reason")
        ),
        "reply": lambda: services.reply_to_message(
            message, by=user, text=_text(post, "text")
        ),
        "dismiss": lambda: services.dismiss_reports(message, by=user),
        "grant": lambda: services.decide_appeal(message, by=user, grant=True),
        "deny": lambda: services.decide_appeal(message, by=user, grant=False),
    }
    _run_step(request, steps, action)
    tab = _text(post, "next_tab")
    url = reverse("mailbox_admin:board")
    return redirect(f"{url}?tab={tab}" if tab in dict(BOARD_TABS) else url)
