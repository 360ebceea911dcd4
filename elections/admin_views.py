"""Admin views of votes: list, create, edit and delete while being prepared, history,
and the control page (turnout, open, close, tally, sign off, result 公示), all within
the user's organisation scope."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column

from home.params import choice_param, int_param, text_param
from members.models import SecurityEvent
from members.scoped_admin import (
    AdminArea,
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    run_action,
    step_view,
)
from members.security import record_event

from . import services
from .models import Election, Mode, PaperCount, PaperMethod, Status
from .permissions import election_policy, may_run_elections

election_admin = AdminArea(
    may_use=may_run_elections,
    policy=election_policy,
    message="您没有主持投票的权限。",
    hint="投票计票由站点管理员和宣传员主持，只能主持您担任组织管理员的"
    "党组织及其下级的投票。如需开通，请联系站点管理员。",
)


class ElectionIndexView(ScopedIndexView):
    default_ordering = "-opens_at"
    orderings = ("opens_at", "-opens_at")
    control_url_name = "elections_manage"

    @cached_property
    def columns(self):
        return [
            self.control_title_column(),
            Column("organization", label="党组织"),
            Column("phase", label="状态", accessor=lambda e: e.phase_label()),
            Column("seats", label="应选"),
            Column("opens_at", label="开始时间", sort_key="opens_at"),
            Column("closes_at", label="截止时间"),
        ]


class ElectionCreateView(ScopedCreateView):
    control_url_name = "elections_manage"


class ElectionEditView(ScopedEditView):
    control_url_name = "elections_manage"
    control_label = "主持投票"


def _election(request, pk: int, action: str = "view") -> Election | HttpResponse:
    return election_admin.load(
        request,
        Election.objects.select_related("organization", "signed_off_by", "notice"),
        pk,
        action,
    )


def manage(request, pk: int):
    """Turnout at any time; the tally once closed; the actions of each state."""
    election = _election(request, pk)
    if isinstance(election, HttpResponse):
        return election
    voted, eligible = services.turnout(election)
    tally = None
    if election.status == Status.SIGNED:
        tally = election.result
    elif election.status == Status.CLOSED:
        tally = services.count_ballots(election).as_dict()
    return TemplateResponse(
        request,
        "elections/admin/manage.html",
        {
            "election": election,
            "phase": election.phase(),
            "voted": voted,
            "eligible": eligible,
            "tally": tally,
            "candidates": list(election.candidates.all()),
            "can_change": election_policy.user_has_permission_for_instance(
                request.user, "change", election
            ),
        },
    )


ACTIONS = {
    "open": (services.open_election, "已启动投票，选举人名单已确定。"),
    "close": (services.close_election, "已结束投票，可以计票。"),
    "sign": (services.sign_off, "已确认计票结果。"),
    "publish": (
        services.publish_notice,
        "已生成结果公示草稿，请在网上公示栏目提交审核。",
    ),
}
AUDITED = {
    "open": "启动投票",
    "close": "结束投票",
    "sign": "确认计票结果",
    "publish": "生成结果公示草稿",
    "paper": "录入纸质选票",
    "withdraw_paper": "撤销纸质选票录入",
}


def _record(request, name: str, election: Election) -> None:
    """A step that decides a vote, in the security log with user and address."""
    record_event(
        request,
        SecurityEvent.Action.ELECTION,
        detail=f"{AUDITED[name]}：{election.title}",
    )


act = step_view(
    lambda request, pk: _election(request, pk, "change"),
    ACTIONS,
    then="elections_manage",
    refused=services.ElectionError,
    done=_record,
)


PAPER_MAX = 100_000


def _paper_totals(request, election: Election) -> dict:
    """The totals form: valid and invalid ballots, blank among the valid, votes per
    candidate (votes_<id>), write-ins as lines of 姓名 票数."""
    post = request.POST
    valid = int_param(post, "valid", default=0, minimum=0, maximum=PAPER_MAX)
    invalid = int_param(post, "invalid", default=0, minimum=0, maximum=PAPER_MAX)
    blank = int_param(post, "blank", default=0, minimum=0, maximum=PAPER_MAX)
    votes = {}
    for candidate in election.candidates.all():
        votes[candidate.pk] = int_param(
            post, f"votes_{candidate.pk}", default=0, minimum=0, maximum=PAPER_MAX
        )
    write_ins = {}
    for number, line in enumerate(
        text_param(post, "write_ins", max_length=5000).splitlines(), start=1
    ):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2 or not parts[1].isascii() or not parts[1].isdigit():
            raise services.ElectionError(
                f"另选他人第 {number} 行请写成“姓名 票数”，如：张三 2。"
            )
        write_ins[parts[0]] = min(int(parts[1]), PAPER_MAX)
    if blank > valid:
        raise services.ElectionError("空白票是有效票的一部分，不能多于有效票。")
    return {
        "collected": valid + invalid,
        "blank": blank,
        "invalid": invalid,
        "votes": {k: v for k, v in votes.items() if v},
        "write_ins": write_ins,
    }


def paper(request, pk: int):
    """Enter the counted paper ballots of a closed in-person vote (once)."""
    election = _election(request, pk, "change")
    if isinstance(election, HttpResponse):
        return election
    errors = []
    status = 200
    if request.method == "POST":
        method = choice_param(request.POST, "method", PaperMethod.values)
        present = int_param(request.POST, "present", minimum=0, maximum=PAPER_MAX)
        try:
            if present is None:
                raise services.ElectionError("请填写到会领票人数。")
            if method == PaperMethod.TOTALS:
                services.enter_paper_count(
                    election,
                    by=request.user,
                    method=method,
                    present=present,
                    totals=_paper_totals(request, election),
                )
            else:
                services.enter_paper_count(
                    election,
                    by=request.user,
                    method=method,
                    present=present,
                    ballots_text=text_param(
                        request.POST, "ballots", max_length=200_000
                    ),
                )
        except services.ElectionError as exc:
            errors, status = exc.messages, 400
        else:
            _record(request, "paper", election)
            messages.success(request, "已录入纸质选票，计票结果已包含纸质选票。")
            return redirect("elections_manage", pk=election.pk)
    return TemplateResponse(
        request,
        "elections/admin/paper.html",
        {
            "election": election,
            "candidates": list(election.candidates.all()),
            "paper": PaperCount.objects.filter(election=election)
            .select_related("entered_by")
            .first(),
            "in_person": election.mode == Mode.IN_PERSON,
            "online_voted": election.participations.count(),
            "errors": errors,
            "data": request.POST if request.method == "POST" else {},
        },
        status=status,
    )


@require_POST
def withdraw_paper(request, pk: int):
    election = _election(request, pk, "change")
    if isinstance(election, HttpResponse):
        return election
    return run_action(
        request,
        election,
        services.withdraw_paper_count,
        "已撤销纸质选票录入，可以重新录入。",
        then="elections_paper",
        refused=services.ElectionError,
        done=lambda: _record(request, "withdraw_paper", election),
    )
