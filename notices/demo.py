"""Demo notices: one open for feedback, one archived, with feedback on each."""

from datetime import timedelta

from django.utils import timezone

OPEN_NOTICE = {
    "title": "关于王磊、赵雪同志拟接收为预备党员的公示",
    "notice_type": "development",
    "organization": "HX-ZZ-01",
    "starts": -2,
    "days": 7,
    "contact": "总装车间党支部，电话 0531-8888 6401；也可在本页实名提出意见。",
    "body": (
        "<p>经党支部委员会研究，拟接收以下两名同志为中共预备党员，现予公示。</p>"
        "<ul>"
        "<li>王磊，男，1996年3月出生，大学本科，总装车间装配工艺员，"
        "2023年4月申请入党，2025年10月确定为发展对象；</li>"
        "<li>赵雪，女，1998年11月出生，大学专科，总装车间质量检验员，"
        "2023年9月申请入党，2025年10月确定为发展对象。</li>"
        "</ul>"
        "<p>公示期间，党员和群众可通过本页“意见反馈”或来电、来访等方式，"
        "对公示对象的政治表现、工作作风和道德品行等反映情况。反映问题应实事求是，"
        "并请提供具体事实和联系方式，以便核实。</p>"
    ),
}

ARCHIVED_NOTICE = {
    "title": "集团机关部分中层干部任前公示",
    "notice_type": "appointment",
    "organization": "HX",
    "starts": -40,
    "days": 5,
    "contact": "集团党委组织部，电话 0531-8888 6601。",
    "body": (
        "<p>根据干部选拔任用工作有关规定，经集团党委研究，"
        "拟任用下列同志，现予任前公示。</p>"
        "<ul><li>冯玉梅，现任党群工作部副部长，拟任党群工作部部长；</li>"
        "<li>何文斌，现任宣传科科长，拟任党群工作部副部长。</li></ul>"
        "<p>公示期满无异议的，按程序办理任职手续。</p>"
    ),
}

DEMO_FEEDBACK = (
    "王磊同志在车间技改项目中表现突出，多次主动加班攻关，"
    "群众认可度高，我支持接收他为预备党员。"
)
ARCHIVED_FEEDBACK = "建议在任职后公开分管工作的联系方式，方便基层党支部对接。"
ARCHIVED_REPLY = "感谢您的建议。任职后将在集团党建网“组织机构”栏目公布分工和联系电话。"


def _notice(index, spec, today):
    from members.models import Organization

    from .models import NoticePage

    existing = NoticePage.objects.filter(title=spec["title"]).first()
    if existing is not None:
        return existing, False
    start = today + timedelta(days=spec["starts"])
    notice = NoticePage(
        title=spec["title"],
        notice_type=spec["notice_type"],
        organization=Organization.objects.get(code=spec["organization"]),
        period_start=start,
        period_end=start + timedelta(days=spec["days"] - 1),
        contact=spec["contact"],
        body=spec["body"],
    )
    index.add_child(instance=notice)
    notice.save_revision().publish()
    return notice, True


def load() -> str:
    """Create what is missing; returns a short Chinese summary."""
    from django.contrib.auth import get_user_model

    from . import services
    from .models import NoticeFeedback

    index = services.install_notice_section()
    today = timezone.localdate()
    opened, new_open = _notice(index, OPEN_NOTICE, today)
    archived, new_archived = _notice(index, ARCHIVED_NOTICE, today)
    users = get_user_model().objects
    member = users.filter(username="dangyuan").first()
    if member is not None and not NoticeFeedback.objects.filter(notice=opened).exists():
        services.submit_feedback(
            opened,
            services.FeedbackData("孙明", "13905319007", DEMO_FEEDBACK),
            ip=None,
            user=member,
        )
    if not NoticeFeedback.objects.filter(notice=archived).exists():
        # The period is over: the record is written as it stood when it was sent.
        sent_at = timezone.now() - timedelta(days=38)
        number, _code, code_hash = services.tracked.issue(
            timezone.localdate(sent_at), purpose=services.CODE_PURPOSE
        )
        feedback = NoticeFeedback.objects.create(
            tracking_number=number,
            query_code_hash=code_hash,
            notice=archived,
            real_name="郑海涛",
            contact="13905310103",
            content=ARCHIVED_FEEDBACK,
            submitted_at=sent_at,
        )
        admin = users.filter(username="admin").first()
        if admin is not None:
            services.reply_to_feedback(feedback, by=admin, text=ARCHIVED_REPLY)
    created = int(new_open) + int(new_archived)
    return (
        f"网上公示 2 条（新建 {created} 条）：“{opened.title}”公示中，"
        f"“{archived.title}”已结束；意见反馈 {NoticeFeedback.objects.count()} 条"
    )
