"""Use cases of 投票计票: open, vote, close, tally, sign off, publish, verify.

Every state change is audited (wagtail's log, scoped like the elections). Casting a
ballot writes who voted (Participation) and what (Ballot) in one transaction; the
unique (election, member) constraint refuses a second ballot, also when two arrive
at once, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from members import ratelimit
from members.models import Member, Organization
from members.ratelimit import Limit, RateLimited

from . import tally as counting
from .models import (
    Ballot,
    Election,
    Elector,
    Mode,
    PaperCount,
    PaperMethod,
    Participation,
    Status,
)

__all__ = ["RateLimited"]

RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
RECEIPT_LENGTH = 12
WRITE_IN_LIMIT = 50


class ElectionError(ValidationError):
    """A refused action, with a Chinese message."""


def _log(election: Election, action: str, *, by, **data) -> None:
    log(election, action, user=by, data={"title": election.title, **data})


# Receipts ---------------------------------------------------------------------------


def _receipt_key() -> bytes:
    return hashlib.sha256(f"ballot-receipt:{settings.SECRET_KEY}".encode()).digest()


def normalize_receipt(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:40]


def receipt_hash(election: Election, code: str) -> str:
    text = f"{election.pk}|{normalize_receipt(code)}"
    return hmac.new(_receipt_key(), text.encode(), hashlib.sha256).hexdigest()


def new_receipt() -> str:
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(code[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


# Staff actions ------------------------------------------------------------------------


def electorate(organization: Organization):
    """Members of the organisation and every organisation below it."""
    return Member.objects.filter(organization__path__startswith=organization.path)


def open_election(election: Election, *, by) -> Election:
    """Fix the register (members of the organisation and below, today) and open."""
    if election.status != Status.DRAFT:
        raise ElectionError("只有筹备中的投票才能启动。")
    if election.closes_at <= timezone.now():
        raise ElectionError("截止时间已过，请先修改截止时间。")
    count = election.candidates.count()
    if count == 0:
        raise ElectionError("请先填写候选人。")
    if count < election.seats and not election.allow_write_ins:
        raise ElectionError("候选人人数少于应选人数，请增加候选人或允许另选他人。")
    with transaction.atomic():
        locked = Election.objects.select_for_update().get(pk=election.pk)
        if locked.status != Status.DRAFT:
            raise ElectionError("只有筹备中的投票才能启动。")
        member_ids = list(
            electorate(election.organization).values_list("pk", flat=True)
        )
        if not member_ids:
            raise ElectionError("该党组织及其下级没有党员，无法启动投票。")
        Elector.objects.bulk_create(
            [Elector(election=election, member_id=pk) for pk in member_ids]
        )
        election.status = Status.OPEN
        election.electorate_date = timezone.localdate()
        election.eligible_count = len(member_ids)
        election.save(update_fields=["status", "electorate_date", "eligible_count"])
        _log(election, "elections.open", by=by, eligible=len(member_ids))
        transaction.on_commit(lambda: _announce(election.pk), robust=True)
    return election


def _announce(election_id: int) -> None:
    from .tasks import announce_election

    announce_election.enqueue(election_id)


def close_election(election: Election, *, by) -> Election:
    """End voting (early, or once the time is up)."""
    if election.status != Status.OPEN:
        raise ElectionError("只有已启动的投票才能结束。")
    with transaction.atomic():
        locked = Election.objects.select_for_update().get(pk=election.pk)
        if locked.status != Status.OPEN:
            raise ElectionError("只有已启动的投票才能结束。")
        now = timezone.now()
        election.status = Status.CLOSED
        fields = ["status"]
        if election.closes_at > now:
            election.closes_at = now
            fields.append("closes_at")
        election.save(update_fields=fields)
        _log(election, "elections.close", by=by, cast=election.ballots.count())
    return election


def count_ballots(election: Election) -> counting.Tally:
    """The tally of a closed vote (refused while it may still take ballots)."""
    if election.status not in (Status.CLOSED, Status.SIGNED):
        raise ElectionError("投票结束后才能计票。")
    ballots = [
        (b.candidates, b.write_ins, b.blank, b.invalid)
        for b in election.ballots.order_by("id")
    ]
    return counting.count(
        eligible=election.eligible_count,
        seats=election.seats,
        quorum_percent=election.quorum_percent,
        elect_percent=election.elect_percent,
        candidates=list(election.candidates.values_list("pk", "name")),
        ballots=ballots,
        paper=paper_totals(election),
    )


# Paper ballots ------------------------------------------------------------------------

PAPER_LINES_LIMIT = 5000
_SEPARATORS = str.maketrans({"、": " ", ",": " ", "，": " ", ";": " ", "；": " "})


def paper_totals(election: Election) -> counting.PaperTotals | None:
    """The entered paper ballots as totals for the tally, None if none."""
    paper = PaperCount.objects.filter(election=election).first()
    if paper is None:
        return None
    return counting.PaperTotals(
        present=paper.present,
        collected=paper.collected,
        blank=paper.blank,
        invalid=paper.invalid,
        votes={int(k): v for k, v in paper.votes.items()},
        write_ins=dict(paper.write_ins),
    )


def parse_paper_ballots(election: Election, text: str) -> tuple[list, dict]:
    """Each line one paper ballot: the names marked (separated by spaces or 、), or
    空白 for a blank ballot, or 废票 for one the counters ruled invalid. A ballot
    naming more people than seats is invalid (the rules of a ballot). Returns (the
    ballots as entered, the totals); ValidationError naming the line for a name that
    is not a candidate (unless write-ins are allowed) or named twice."""
    if "\x00" in text:
        raise ElectionError("选票内容含有不允许的字符。")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise ElectionError("请逐行录入选票，每行一张。")
    if len(lines) > PAPER_LINES_LIMIT:
        raise ElectionError(f"一次最多录入 {PAPER_LINES_LIMIT} 张选票。")
    candidates = dict(election.candidates.values_list("name", "pk"))
    ballots, errors = [], []
    blank = invalid = 0
    votes: dict[int, int] = {}
    write_ins: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        names = line.translate(_SEPARATORS).split()
        if names == ["空白"]:
            blank += 1
            ballots.append(["空白"])
            continue
        if names == ["废票"]:
            invalid += 1
            ballots.append(["废票"])
            continue
        if len(set(names)) != len(names):
            errors.append(f"第 {number} 行：同一人写了两次。")
            continue
        unknown = [
            n
            for n in names
            if n not in candidates
            and (not election.allow_write_ins or len(n) > WRITE_IN_LIMIT)
        ]
        if unknown:
            errors.append(f"第 {number} 行：“{'、'.join(unknown)}”不是候选人。")
            continue
        ballots.append(names)
        if len(names) > election.seats:
            invalid += 1
            continue
        for name in names:
            if name in candidates:
                votes[candidates[name]] = votes.get(candidates[name], 0) + 1
            else:
                write_ins[name] = write_ins.get(name, 0) + 1
    if errors:
        raise ElectionError(errors[:20])
    return ballots, {
        "collected": len(lines),
        "blank": blank,
        "invalid": invalid,
        "votes": votes,
        "write_ins": write_ins,
    }


def enter_paper_count(
    election: Election,
    *,
    by,
    method: str,
    present: int,
    ballots_text: str = "",
    totals: dict | None = None,
) -> PaperCount:
    """Store the counted paper ballots of a closed in-person vote, once.

    method "ballots" parses ballots_text (parse_paper_ballots); "totals" takes
    totals = {collected, blank, invalid, votes: {candidate id: n}, write_ins:
    {name: n}}. Refused: online votes, votes not closed or already confirmed, a
    second entry, more paper voters than the register has left, and numbers that do
    not add up (tally.check_paper)."""
    if election.mode != Mode.IN_PERSON:
        raise ElectionError("只有现场投票才能录入纸质选票。")
    if election.status != Status.CLOSED:
        raise ElectionError("投票结束后、确认结果前才能录入纸质选票。")
    if method == PaperMethod.BALLOTS:
        entered, counted = parse_paper_ballots(election, ballots_text)
    elif method == PaperMethod.TOTALS and totals is not None:
        entered, counted = [], totals
        valid_ids = set(election.candidates.values_list("pk", flat=True))
        if set(counted["votes"]) - valid_ids:
            raise ElectionError("得票表中有无效的候选人，请刷新页面后重新录入。")
        if counted["write_ins"] and not election.allow_write_ins:
            raise ElectionError("本次投票不能另选他人。")
    else:
        raise ElectionError("请选择录入方式。")
    online = election.participations.count()
    if present + online > election.eligible_count:
        raise ElectionError(
            f"到会领票 {present} 人加网上已投票 {online} 人，"
            f"多于有选举权的 {election.eligible_count} 人，请核对。"
        )
    paper = counting.PaperTotals(present=present, **counted)
    problems = counting.check_paper(paper, seats=election.seats)
    if problems:
        raise ElectionError(problems)
    try:
        with transaction.atomic():
            locked = Election.objects.select_for_update().get(pk=election.pk)
            if locked.status != Status.CLOSED:
                raise ElectionError("投票结束后、确认结果前才能录入纸质选票。")
            record = PaperCount.objects.create(
                election=election,
                method=method,
                present=present,
                collected=paper.collected,
                blank=paper.blank,
                invalid=paper.invalid,
                votes={str(k): v for k, v in paper.votes.items()},
                write_ins=paper.write_ins,
                ballots=entered,
                entered_by=by,
                entered_at=timezone.now(),
            )
            _log(
                election,
                "elections.paper",
                by=by,
                method=PaperMethod(method).label,
                present=present,
                collected=paper.collected,
                invalid=paper.invalid,
            )
    except IntegrityError:
        raise ElectionError(
            "纸质选票已经录入，不能重复录入；如有错误，请先撤销上次录入。"
        ) from None
    return record


def withdraw_paper_count(election: Election, *, by) -> None:
    """Remove the entered paper ballots before the result is confirmed (to correct
    a mistake); audited with what was removed."""
    with transaction.atomic():
        locked = Election.objects.select_for_update().get(pk=election.pk)
        if locked.status != Status.CLOSED:
            raise ElectionError("结果确认后不能再撤销纸质选票。")
        paper = PaperCount.objects.filter(election=election).first()
        if paper is None:
            raise ElectionError("还没有录入纸质选票。")
        _log(
            election,
            "elections.paper_withdraw",
            by=by,
            present=paper.present,
            collected=paper.collected,
        )
        paper.delete()


def sign_off(election: Election, *, by) -> Election:
    """The responsible staff confirm the tally; it is stored as counted now."""
    if election.status != Status.CLOSED:
        raise ElectionError("只有已结束、尚未确认的投票才能确认结果。")
    with transaction.atomic():
        locked = Election.objects.select_for_update().get(pk=election.pk)
        if locked.status != Status.CLOSED:
            raise ElectionError("只有已结束、尚未确认的投票才能确认结果。")
        result = count_ballots(election).as_dict()
        election.result = result
        election.status = Status.SIGNED
        election.signed_off_by = by
        election.signed_off_at = timezone.now()
        election.save(
            update_fields=["result", "status", "signed_off_by", "signed_off_at"]
        )
        _log(
            election,
            "elections.sign_off",
            by=by,
            cast=result["cast"],
            elected=[r["name"] for r in result["rows"] if r["elected"]],
        )
    return election


def _day(when) -> str:
    day = timezone.localdate(when)
    return f"{day.year}年{day.month}月{day.day}日"


def publish_notice(election: Election, *, by, days: int = 5):
    """A draft 公示 of the confirmed result under 网上公示 (it goes through the
    notices' review workflow like any notice); returns the NoticePage."""
    from notices.models import NoticeType
    from notices.services import draft_notice

    if election.status != Status.SIGNED:
        raise ElectionError("结果确认后才能发布公示。")
    if election.notice_id:
        raise ElectionError("已经生成过结果公示。")
    result = election.result
    elected = [r["name"] for r in result["rows"] if r["elected"]]
    body = (
        f"<p>{election.organization.name}于{_day(election.closes_at)}"
        f"进行“{election.title}”，有选举权的党员 {result['eligible']} 人，"
        f"实到（投票） {result['cast']} 人，"
        f"{'超过半数，选举有效' if result['quorum_met'] else '未达到规定人数，选举无效'}。</p>"
        + (
            f"<p>当选：{'、'.join(elected)}。</p>"
            if elected
            else "<p>本次投票无人当选。</p>"
        )
        + "<p>公示期间如有意见，请实名反馈。</p>"
    )
    with transaction.atomic():
        notice = draft_notice(
            title=f"{election.title}结果公示",
            notice_type=NoticeType.APPOINTMENT,
            organization=election.organization,
            body=body,
            by=by,
            days=days,
        )
        election.notice = notice
        election.save(update_fields=["notice"])
        _log(election, "elections.publish", by=by, notice=notice.pk)
    return notice


# Voting ---------------------------------------------------------------------------------


def elector_for(election: Election, user) -> Member | None:
    """The user's member record if it is on the register, else None."""
    if user is None or not user.is_authenticated:
        return None
    member = getattr(user, "member", None)
    if member is None:
        return None
    if not Elector.objects.filter(election=election, member=member).exists():
        return None
    return member


def has_voted(election: Election, member: Member | None) -> bool:
    return (
        member is not None
        and Participation.objects.filter(election=election, member=member).exists()
    )


def refusal(election: Election, user) -> str:
    """'' when the user may vote now, else why not (Chinese)."""
    phase = election.phase()
    if phase in ("draft", "upcoming"):
        return "投票尚未开始。"
    if phase != "voting":
        return "投票已经结束，不再接受选票。"
    member = elector_for(election, user)
    if member is None:
        return "您不在本次投票的选举人名单中。"
    if has_voted(election, member):
        return "您已经投过票，每人只能投一次。"
    return ""


@dataclass
class Choice:
    candidates: list[int]
    write_ins: list[str]
    blank: bool


def parse_choice(election: Election, data) -> Choice:
    """The ballot a form sends; ValidationError for ids that are not this vote's
    candidates, repeats, too many names, write-ins where none are allowed."""
    blank = data.get("blank") == "1"
    raw_ids = [v for v in data.getlist("candidate") if v != ""]
    raw_names = [v.strip() for v in data.getlist("write_in") if v and v.strip()]
    if blank:
        if raw_ids or raw_names:
            raise ElectionError("空白票不能同时选择候选人。")
        return Choice([], [], True)
    valid = set(election.candidates.values_list("pk", flat=True))
    ids = []
    for value in raw_ids:
        if not (isinstance(value, str) and value.isascii() and value.isdigit()):
            raise ElectionError("选票上有无效的候选人，请刷新页面后重新投票。")
        pk = int(value) if len(value) < 12 else -1
        if pk not in valid:
            raise ElectionError("选票上有无效的候选人，请刷新页面后重新投票。")
        ids.append(pk)
    if len(set(ids)) != len(ids):
        raise ElectionError("同一候选人只能选一次。")
    if raw_names and not election.allow_write_ins:
        raise ElectionError("本次投票不能另选他人。")
    names = []
    for name in raw_names:
        if "\x00" in name or len(name) > WRITE_IN_LIMIT:
            raise ElectionError(f"另选他人的姓名不能超过 {WRITE_IN_LIMIT} 个字。")
        names.append(" ".join(name.split()))
    candidate_names = set(election.candidates.values_list("name", flat=True))
    if any(name in candidate_names for name in names):
        raise ElectionError("另选的人已在候选人中，请直接勾选。")
    if len(set(names)) != len(names):
        raise ElectionError("另选他人的姓名重复了。")
    chosen = len(ids) + len(names)
    if chosen == 0:
        raise ElectionError("请至少选择一人；不选任何人请点“投空白票”。")
    if chosen > election.seats:
        raise ElectionError(f"最多只能选 {election.seats} 人，您选了 {chosen} 人。")
    return Choice(sorted(ids), sorted(names), False)


def cast_ballot(election: Election, data, *, user) -> str:
    """Store one elector's ballot and return its receipt code (shown once).

    Refused with a Chinese ElectionError outside the voting time, for users not on
    the register, for a second ballot (the unique constraint also under concurrency)
    and for ballots that are not this vote's; nothing is half-written."""
    reason = refusal(election, user)
    if reason:
        raise ElectionError(reason)
    choice = parse_choice(election, data)
    member = user.member
    code = new_receipt()
    today = timezone.localdate()
    try:
        with transaction.atomic():
            Participation.objects.create(
                election=election, member=member, voted_on=today
            )
            Ballot.objects.create(
                election=election,
                candidates=choice.candidates,
                write_ins=choice.write_ins,
                blank=choice.blank,
                cast_on=today,
                receipt_hash=receipt_hash(election, code),
            )
            # The window may have closed while this request ran.
            current = Election.objects.get(pk=election.pk)
            if current.phase() != "voting":
                raise ElectionError("投票已经结束，不再接受选票。")
    except IntegrityError:
        raise ElectionError("您已经投过票，每人只能投一次。") from None
    return code


def turnout(election: Election) -> tuple[int, int]:
    """(voted, eligible) at any time."""
    return election.participations.count(), election.eligible_count


def verify_receipt(election: Election, code: str, *, ip: str | None) -> bool:
    """Whether a ballot with this receipt is in the count; wrong tries are limited
    per address (the mailbox's tracking limits)."""
    limits = []
    if ip:
        limits.append(
            Limit(
                "ballot-receipt",
                ip,
                settings.PORTAL_MAILBOX_TRACK_ATTEMPTS_PER_IP,
                settings.PORTAL_MAILBOX_TRACK_LOCKOUT,
            )
        )
    if not ratelimit.acquire(*limits):
        raise RateLimited("核对次数过多，请稍后再试。")
    found = Ballot.objects.filter(
        election=election, receipt_hash=receipt_hash(election, code)
    ).exists()
    if found:
        ratelimit.release(*limits)
    return found
