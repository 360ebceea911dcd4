"""Demo 民主评议: 总装车间党支部 finished its 2025 round (outcomes confirmed and
closed, run by xuanchuan, its 组织管理员); 研发第一党支部's 2026 round is open, so
dangyuan (孙明) finds it on /me/ with members to rate."""

import datetime

from django.utils import timezone

CLOSED_TITLE = "总装车间党支部2025年度民主评议党员"
OPEN_TITLE = "研发第一党支部2026年度民主评议党员"
INTRO = (
    "对照党章规定的党员条件和义务，每名党员先写自我评价，再对支部其他党员逐一评价。"
    "评价不记名汇总，支部委员会据此确定评议等次。"
)
SELF_TEXTS = {
    "马德胜": "带领车间完成全年装配任务，按时讲专题党课四次；不足是对青年党员的"
    "思想关心还不够。",
    "罗春燕": "认真做好组织委员工作，发展党员程序规范；学习理论有时不够系统。",
    "高建军": "带头攻克总装线节拍难题，党小组活动按月开展；批评与自我批评还要加强。",
    "林小军": "积极参加主题党日和志愿服务，技能等级提升为高级工；理论学习主动性不足。",
    "唐桂芳": "党小组学习有记录、有讨论，关心班组职工困难；创新意识有待提高。",
    "宋宇航": "作为年轻党员虚心向老同志学习，坚持每天学习强国；工作中有时急躁。",
    "李晓红": "按时完成宣传稿件和支部宣传栏更新；深入一线调研还不够多。",
}
# Grades most members gave each member, the comments written; the outcome confirmed.
CLOSED_RESULTS = {
    "马德胜": ("excellent", ["以身作则，抓生产抓党建两手硬"], "excellent"),
    "罗春燕": ("excellent", ["工作细致，发展党员材料齐全"], "excellent"),
    "高建军": ("qualified", ["技术攻关带头作用明显"], "qualified"),
    "林小军": ("qualified", [], "qualified"),
    "唐桂芳": ("qualified", ["关心职工，希望多组织技能交流"], "qualified"),
    "宋宇航": ("basic", ["组织生活请假偏多，希望改进"], "basic"),
    "李晓红": ("qualified", [], "qualified"),
}
NOTES = {
    "excellent": "支委会讨论，同意评为优秀。",
    "qualified": "",
    "basic": "组织生活参加不够，支部书记已谈心谈话，限期改进。",
}


def load() -> str:
    """Create the two rounds if missing; returns a short Chinese summary."""
    from django.contrib.auth import get_user_model

    from members.models import Organization

    from .models import Round

    if Round.objects.filter(title=CLOSED_TITLE).exists():
        return "民主评议 2 轮（已存在）"
    User = get_user_model()
    zz = Organization.objects.filter(code="HX-ZZ-01").first()
    yf = Organization.objects.filter(code="HX-YF-01").first()
    xuanchuan = User.objects.filter(username="xuanchuan").first()
    admin = User.objects.filter(username="admin").first()
    if None in (zz, yf, xuanchuan, admin):
        return "跳过：未找到演示党组织或账号"
    closed = _closed_round(zz, xuanchuan)
    _open_round(yf, admin)
    counts = closed.outcomes.values_list("grade", flat=True)
    excellent = sum(1 for g in counts if g == "excellent")
    return (
        f"民主评议 2 轮：“{CLOSED_TITLE}”已结束（{len(counts)} 人，优秀 {excellent} 人），"
        f"“{OPEN_TITLE}”进行中"
    )


def _closed_round(branch, staff):
    from . import services
    from .models import Participant, Rating, Round

    now = timezone.now()
    round = Round.objects.create(
        title=CLOSED_TITLE,
        organization=branch,
        year=2025,
        intro=INTRO,
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=1),
        created_by=staff,
    )
    services.open_round(round, by=staff)
    people = [p.member for p in Participant.objects.filter(round=round)]
    by_name = {m.real_name: m for m in people}
    for member in people:
        text = SELF_TEXTS.get(member.real_name)
        if text:
            services.save_self_assessment(round, member, text)
    # Ratings written as rate() writes them; one rater in four differs by a grade.
    ratings = []
    for ratee in people:
        usual, comments, _ = CLOSED_RESULTS.get(ratee.real_name, ("qualified", [], ""))
        raters = [m for m in people if m != ratee]
        for index, rater in enumerate(raters):
            grade = usual
            if index % 4 == 3:
                grade = "qualified" if usual != "qualified" else "excellent"
            comment = comments[0] if index == 0 and comments else ""
            ratings.append(
                Rating(
                    round=round, rater=rater, ratee=ratee, grade=grade, comment=comment
                )
            )
    Rating.objects.bulk_create(ratings)
    start = timezone.make_aware(datetime.datetime(2026, 1, 5, 8, 0))
    Round.objects.filter(pk=round.pk).update(
        opens_at=start, closes_at=start + datetime.timedelta(days=10)
    )
    round.refresh_from_db()
    for name, member in by_name.items():
        outcome = CLOSED_RESULTS.get(name, ("qualified", [], "qualified"))[2]
        services.confirm_outcome(
            round, member.pk, outcome, NOTES.get(outcome, ""), by=staff
        )
    services.close_round(round, by=staff)
    # The committee met after the window: dates as they would have been.
    decided = start + datetime.timedelta(days=12, hours=7)
    round.outcomes.update(decided_at=decided)
    Round.objects.filter(pk=round.pk).update(
        register_date=start.date(), closed_at=decided + datetime.timedelta(hours=1)
    )
    round.refresh_from_db()
    return round


def _open_round(branch, staff):
    from . import services
    from .models import Participant, Round

    today = timezone.localdate()
    round = Round.objects.create(
        title=OPEN_TITLE,
        organization=branch,
        year=2026,
        intro=INTRO,
        opens_at=timezone.make_aware(
            datetime.datetime.combine(
                today - datetime.timedelta(days=1), datetime.time(8, 0)
            )
        ),
        closes_at=timezone.make_aware(
            datetime.datetime.combine(
                today + datetime.timedelta(days=14), datetime.time(18, 0)
            )
        ),
        created_by=staff,
    )
    services.open_round(round, by=staff)
    people = {
        p.member.real_name: p.member
        for p in Participant.objects.filter(round=round).select_related("member")
    }
    writer = people.get("谢天明")
    if writer is not None:
        services.save_self_assessment(
            round,
            writer,
            "抓好支部标准化建设，带领团队完成两个重点研发项目；"
            "对党小组活动的指导还不够经常。",
        )
        for name, grade in (("蒋慧敏", "excellent"), ("沈浩然", "qualified")):
            if name in people:
                services.rate(round, writer, people[name].pk, grade, "")
    return round
