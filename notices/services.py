"""Use cases of 网上公示: installing the section, sending and answering feedback."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import log

from members import ratelimit, tracked
from members.phones import normalise_phone
from members.ratelimit import Limit, RateLimited

from .models import FeedbackStatus, NoticeFeedback, NoticeIndexPage, NoticePage
from .permissions import REPLY_PERMISSION, can_reply

CODE_PURPOSE = "notice-feedback"
LANDLINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?")
TRACK_SCOPE = "notice-track"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
WORKFLOW_NAME = "公示审核发布"

__all__ = ["RateLimited"]


# Section ---------------------------------------------------------------------------

EDITOR_ROLES = {
    "站点管理员": ["add_page", "change_page", "publish_page", "bulk_delete_page"],
    "审核员": ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    "宣传员": ["add_page", "change_page"],
}


@transaction.atomic
def install_notice_section() -> NoticeIndexPage:
    """The 网上公示 page under the home page, its editors' page permissions and the
    same one-step review as news (宣传员 write and submit, 审核员 publish)."""
    from django.contrib.auth.models import Group

    from home.sections import grant_page_permissions, publish_under_home
    from news.services import REVIEWER, assign_review_workflow

    index = NoticeIndexPage.objects.first()
    if index is None:
        index = publish_under_home(
            NoticeIndexPage(
                title="网上公示",
                slug="gongshi",
                show_in_menus=True,
                intro="<p>发展党员、干部任前、评优表彰和考核结果在此公示。公示期内，"
                "任何人均可实名提出意见，我们将按编号答复。</p>",
            ),
            no_home="站点还没有首页，无法创建网上公示栏目。",
        )
    for name, codenames in EDITOR_ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        grant_page_permissions(group, index, codenames)
    reviewers, _ = Group.objects.get_or_create(name=REVIEWER)
    assign_review_workflow(index, reviewers, WORKFLOW_NAME)
    return index


def draft_notice(
    *, title: str, notice_type: str, organization, body: str, by, days: int = 5
) -> NoticePage:
    """A draft 公示 under 网上公示, its period starting tomorrow for ``days`` days; it
    goes through the section's review workflow like any notice (other apps' results,
    e.g. 考核结果公示, are published this way)."""
    import datetime

    index = install_notice_section()
    start = timezone.localdate() + datetime.timedelta(days=1)
    notice = NoticePage(
        title=title[:255],
        notice_type=notice_type,
        organization=organization,
        period_start=start,
        period_end=start + datetime.timedelta(days=days - 1),
        body=body,
        live=False,
    )
    with transaction.atomic():
        index.add_child(instance=notice)
        notice.save_revision(user=by)
    return notice


# Feedback --------------------------------------------------------------------------


@dataclass
class FeedbackData:
    """What the sender typed."""

    real_name: str
    contact: str
    content: str


def clean_contact(raw: str) -> str:
    """A phone number or an e-mail address, normalised; ValidationError otherwise."""
    value = (raw or "").strip()
    if not value:
        raise ValidationError("请填写联系电话或电子邮箱。")
    if "@" in value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError("电子邮箱格式不正确。") from None
        return value
    try:
        return normalise_phone(value)
    except ValueError:
        pass
    if LANDLINE.fullmatch(value.replace(" ", "")):
        return value.replace(" ", "")
    raise ValidationError("请填写正确的手机号、固定电话或电子邮箱。")


def _validate(notice: NoticePage, data: FeedbackData) -> FeedbackData:
    errors = []
    if not notice.live:
        errors.append("该公示不存在或已撤下。")
    elif not notice.accepts_feedback():
        errors.append(
            "该公示已结束，不再接收意见反馈。"
            if notice.phase() == "archived"
            else "该公示尚未开始，公示期内才能提出意见。"
        )
    name = data.real_name.strip()
    if not name or len(name) > 30:
        errors.append("请填写真实姓名（不超过 30 个字）。")
    content = data.content.strip()
    if not content or len(content) > 2000:
        errors.append("反馈内容须为 1—2000 个字。")
    contact = ""
    try:
        contact = clean_contact(data.contact)
    except ValidationError as exc:
        errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return FeedbackData(real_name=name, contact=contact, content=content)


def _limits(ip: str | None, user) -> list[Limit]:
    limit, window = settings.PORTAL_NOTICES_FEEDBACK_PER_IP
    limits = [Limit("notice-feedback-ip", ip, limit, window)] if ip else []
    if user is not None and user.is_authenticated:
        limits.append(Limit("notice-feedback-user", str(user.pk), limit, window))
    return limits


def submit_feedback(
    notice: NoticePage, data: FeedbackData, *, ip: str | None, user=None
) -> tuple[NoticeFeedback, str]:
    """Store feedback on an open notice; returns it and its one-time query code.

    Refused (ValidationError, Chinese) outside the 公示期 or with a missing name or
    contact; RateLimited past PORTAL_NOTICES_FEEDBACK_PER_IP. The responsible staff
    are notified after commit."""
    data = _validate(notice, data)
    limits = _limits(ip, user)
    if not ratelimit.acquire(*limits):
        raise RateLimited("提交过于频繁，请稍后再试。")
    try:
        feedback, code = _create(notice, data, user)
    except BaseException:
        ratelimit.release(*limits)
        raise
    return feedback, code


def _create(notice, data, user) -> tuple[NoticeFeedback, str]:
    now = timezone.now()
    for _attempt in range(5):
        number, code, code_hash = tracked.issue(
            timezone.localdate(now), purpose=CODE_PURPOSE
        )
        try:
            with transaction.atomic():
                feedback = NoticeFeedback.objects.create(
                    tracking_number=number,
                    query_code_hash=code_hash,
                    notice=notice,
                    real_name=data.real_name,
                    contact=data.contact,
                    content=data.content,
                    writer=user if user is not None and user.is_authenticated else None,
                    submitted_at=now,
                )
                log(
                    feedback,
                    "notices.feedback_submit",
                    user=feedback.writer,
                    data={"notice": notice.pk},
                )
                _notify_staff(feedback)
                return feedback, code
        except IntegrityError:
            continue
    raise IntegrityError("could not find a free tracking number")


def responsible_staff(notice: NoticePage):
    """Accounts that may answer feedback on this notice through an organisation scope
    covering its organisation (site admins only when nobody else is)."""
    from members.scopes import is_site_admin

    User = get_user_model()
    paths = [
        notice.organization.path[:end]
        for end in range(
            notice.organization.steplen,
            len(notice.organization.path) + 1,
            notice.organization.steplen,
        )
    ]
    holders = User.objects.with_perm(REPLY_PERMISSION, backend=MODEL_BACKEND)
    scoped = holders.filter(
        admin_scopes__organization__path__in=paths, is_active=True
    ).distinct()
    if scoped.exists():
        return list(scoped)
    return [user for user in holders if is_site_admin(user)]


def _notify_staff(feedback: NoticeFeedback) -> None:
    from notifications.service import notify

    notify(
        responsible_staff(feedback.notice),
        "notice_feedback",
        title=f"公示“{feedback.notice.title}”收到意见反馈",
        body=f"反馈编号 {feedback.tracking_number}，请在后台答复。",
        url=reverse("notices_feedback:edit", args=[feedback.pk]),
        dedupe_key=f"notice-feedback:{feedback.pk}",
    )


def find_tracked_feedback(
    number: str, code: str, *, ip: str | None
) -> NoticeFeedback | None:
    """The feedback for this number and code, or None (rate-limited like letters)."""
    return tracked.find_tracked(
        NoticeFeedback.objects.select_related("notice"),
        number,
        code,
        ip=ip,
        purpose=CODE_PURPOSE,
        scope=TRACK_SCOPE,
    )


def reply_to_feedback(feedback: NoticeFeedback, *, by, text: str) -> NoticeFeedback:
    """Answer (or correct the answer to) feedback on a notice within the scope."""
    if not can_reply(by, feedback):
        raise PermissionDenied("该反馈不在您管理的党组织范围内。")
    text = (text or "").strip()
    if not text or len(text) > 3000:
        raise ValidationError("答复内容须为 1—3000 个字。")
    with transaction.atomic():
        locked = NoticeFeedback.objects.select_for_update().get(pk=feedback.pk)
        first = locked.status != FeedbackStatus.REPLIED
        locked.reply = text
        locked.status = FeedbackStatus.REPLIED
        locked.replied_at = timezone.now()
        locked.replied_by = by
        locked.save(update_fields=["reply", "status", "replied_at", "replied_by"])
        log(
            locked,
            "notices.feedback_reply" if first else "notices.feedback_reply_change",
            user=by,
            data={"notice": locked.notice_id},
        )
        if locked.writer_id:
            from notifications.service import notify

            notify(
                [locked.writer_id],
                "notice_feedback_replied",
                title=f"您对公示“{locked.notice.title}”的意见已答复",
                body=f"反馈编号 {locked.tracking_number}。",
                url=reverse("notices:mine", args=[locked.tracking_number]),
                dedupe_key=f"notice-feedback-replied:{locked.pk}:{locked.replied_at:%s}",
            )
    return locked


def feedback_statistics(notices) -> list[dict]:
    """Per notice: feedback received, answered and waiting, for the given notices."""
    rows = notices.annotate(
        total=Count("feedback"),
        replied=Count("feedback", filter=Q(feedback__status=FeedbackStatus.REPLIED)),
    ).select_related("organization")
    today = timezone.localdate()
    return [
        {
            "notice": notice,
            "phase": notice.phase(today),
            "total": notice.total,
            "replied": notice.replied,
            "pending": notice.total - notice.replied,
        }
        for notice in rows
    ]
