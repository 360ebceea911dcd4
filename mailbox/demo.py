"""Demo mailboxes, letters in several states and board messages (idempotent)."""

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

# The one code every demo letter used to share; letters still on it get their own.
SHARED_CODE_OF_OLD_DEMOS = "DEMO-2026-HXDJ-MBOX"

MAILBOXES = [
    ("党委书记信箱", "党的建设、干部作风、党员教育管理等方面的意见建议", 5),
    ("纪委书记信箱", "违反党纪、作风问题的反映和廉洁从业方面的咨询", 5),
    ("总经理信箱", "生产经营、职工关心的工作生活事项", 7),
]

# mailbox, type, subject, content, name, phone, consent, final state, reply, days ago
LETTERS = [
    (
        "党委书记信箱",
        "consult",
        "退休后党组织关系如何转接",
        "我明年三月退休，退休后想把组织关系转到居住地社区党组织，"
        "请问需要准备哪些材料，由谁开具介绍信？",
        "钱文华",
        "13905311234",
        True,
        "closed",
        "您好！退休党员组织关系可转至居住地社区党组织。请在办理退休手续后，"
        "持本人身份证到所在党支部申请，由集团党委组织部开具组织关系介绍信，"
        "一个月内到社区党组织报到。如有疑问可致电组织部：0531-8888 1001。",
        20,
    ),
    (
        "总经理信箱",
        "suggest",
        "建议夜班食堂增加热食供应",
        "总装车间夜班职工较多，目前夜班只有面包和牛奶，"
        "建议食堂在夜里十二点左右提供一餐热饭热菜。",
        "",
        "",
        True,
        "replied",
        "感谢您的建议。后勤保障部已研究决定，自下月起在总装车间餐厅设夜班热食窗口，"
        "供应时间为 23:30 至次日 0:30，菜品每周公示。",
        12,
    ),
    (
        "纪委书记信箱",
        "consult",
        "婚丧喜庆事宜报告标准",
        "本人子女下月结婚，请问中层干部操办婚礼需要提前报告吗？宴请规模有什么要求？",
        "孔令军",
        "13905315678",
        False,
        "in_progress",
        "",
        4,
    ),
    (
        "党委书记信箱",
        "help",
        "困难党员帮扶申请",
        "我家中老人长期住院，本人收入难以承担医疗费用，希望了解党组织帮扶政策。",
        "郑秀英",
        "13905319876",
        False,
        "accepted",
        "",
        2,
    ),
    (
        "总经理信箱",
        "complain",
        "厂区东门下班时段拥堵",
        "每天下午五点半东门车辆和行人混行，存在安全隐患，希望安排人员疏导。",
        "冯志远",
        "13905312468",
        True,
        "pending",
        "",
        0,
    ),
]

# title, body, category, anonymous, status, reply; posted BOARD_DAYS_AGO apart.
BOARD_DAYS_AGO = [16, 9, 4, 1]
BOARD = [
    (
        "建议把主题党日搬到红色教育基地",
        "每次主题党日都在会议室学文件，形式比较单一。建议每季度组织一次到附近的"
        "红色教育基地现场学习。",
        "学习教育",
        False,
        "approved",
        "感谢建议。集团党委已将现场教学纳入下季度主题党日计划，具体安排由各党支部通知。",
    ),
    (
        "网上党校视频能否支持倍速播放",
        "晚上下班后学习时间有限，希望课程视频支持 1.25 倍速。",
        "学习教育",
        True,
        "approved",
        "网上党校的课程视频已支持 0.75 至 2 倍速播放（播放器右下角的“倍速”），学习时长按实际看过的内容计算。",
    ),
    (
        "党费缴纳能否用手机支付",
        "现在还是每月交现金给支部组织委员，希望开通线上缴纳。",
        "党建工作",
        False,
        "approved",
        "",
    ),
    (
        "关于职工书屋开放时间",
        "职工书屋周末不开放，建议周六上午开放半天。",
        "服务保障",
        False,
        "pending",
        "",
    ),
]


# Written by the demo member 孙明 (dangyuan) while signed in: listed in his /me/,
# the replied one with its notification. Same fields as LETTERS.
MEMBER_LETTERS = [
    (
        "党委书记信箱",
        "consult",
        "流动党员如何参加支部组织生活",
        "我长期在外地项目部驻场，很难按时回厂参加支部的三会一课，"
        "请问能否在项目所在地参加组织生活，学习记录怎么认定？",
        "孙明",
        "13905319007",
        False,
        "replied",
        "您好！长期驻外的党员可由所在项目部临时党支部接收参加组织生活，"
        "原支部每季度与临时党支部核对一次学习记录；网上党校的学习时长可直接计入。"
        "具体手续请与支部组织委员联系。",
        6,
    ),
    (
        "党委书记信箱",
        "suggest",
        "建议主题党日活动提前一周发布通知",
        "近几次主题党日活动都是前一两天才通知，倒班的同志很难调整班次，"
        "建议至少提前一周在网站和支部群里发布。",
        "孙明",
        "13905319007",
        False,
        "pending",
        "",
        1,
    ),
]


def _anonymised(content: str) -> str:
    """The demo letters carry no names in their text; drop any first-person intro."""
    return content.replace("我明年三月退休，", "本人即将退休，")


def demo_query_code(tracking_number: str) -> str:
    """A demo letter's own query code, derived from the secret key and its number,
    so that load_demo can print it again on every run without storing it."""
    from members.tracking import ALPHABET, QUERY_CODE_CHARS

    key = hashlib.sha256(("mailbox-demo-code:" + settings.SECRET_KEY).encode()).digest()
    digest = hmac.new(key, tracking_number.encode(), hashlib.sha256).digest()
    raw = "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:QUERY_CODE_CHARS])
    return "-".join(raw[i : i + 4] for i in range(0, QUERY_CODE_CHARS, 4))


def _give_own_code(letter) -> None:
    """Replace the shared code of a letter made by an older load_demo."""
    from members import tracking

    from . import services

    shared = tracking.hash_query_code(
        SHARED_CODE_OF_OLD_DEMOS, key=services._code_key()
    )
    if letter.query_code_hash == shared:
        own = demo_query_code(letter.tracking_number)
        letter.query_code_hash = tracking.hash_query_code(own, key=services._code_key())
        letter.save(update_fields=["query_code_hash"])


def _user(username: str):
    return get_user_model().objects.filter(username=username, is_active=True).first()


def load() -> str:
    """Create what is missing; returns a short Chinese summary."""
    from members import tracking

    from . import services
    from .models import BoardCategory, BoardMessage, Letter, Mailbox

    handler, leader = _user("xinxiang"), _user("lingdao")
    boxes = {}
    for order, (name, description, days) in enumerate(MAILBOXES):
        box, _ = Mailbox.objects.get_or_create(
            name=name,
            defaults={
                "description": description,
                "reply_days": days,
                "sort_order": order,
            },
        )
        if handler:
            box.handlers.add(handler)
        if leader:
            box.leaders.add(leader)
        boxes[name] = box

    created_letters = 0
    demo_number = ""
    member_user = _user("dangyuan")
    rows = [(*row, None) for row in LETTERS]
    if member_user is not None:
        rows += [(*row, member_user) for row in MEMBER_LETTERS]
    for (
        box_name,
        letter_type,
        subject,
        content,
        name,
        phone,
        consent,
        state,
        reply,
        days_ago,
        writer,
    ) in rows:
        existing = Letter.objects.filter(subject=subject).first()
        if existing:
            _give_own_code(existing)
            demo_number = demo_number or existing.tracking_number
            continue
        letter, _code = services.submit_letter(
            services.LetterData(
                mailbox=boxes[box_name],
                letter_type=letter_type,
                subject=subject,
                content=content,
                real_name=name,
                phone=phone,
                consent_public=consent,
                privacy_accepted=True,
            ),
            files=[],
            ip=None,
            user=writer,
        )
        created_letters += 1
        submitted = timezone.now() - timedelta(days=days_ago, hours=3)
        Letter.objects.filter(pk=letter.pk).update(
            submitted_at=submitted,
            due_date=services.due_date_for(
                timezone.localdate(submitted), boxes[box_name].reply_days
            ),
            query_code_hash=tracking.hash_query_code(
                demo_query_code(letter.tracking_number), key=services._code_key()
            ),
        )
        letter.refresh_from_db()
        demo_number = demo_number or letter.tracking_number
        if not (handler and leader) or state == "pending":
            continue
        services.accept_letter(letter, by=handler)
        if state == "accepted":
            continue
        services.draft_reply(
            letter,
            by=handler,
            body=reply or "已转相关部门核实，将在期限内答复。",
        )
        if state == "in_progress":
            continue
        draft = letter.replies.get(status="awaiting")
        services.sign_off_reply(draft, by=leader)
        answered = submitted + timedelta(days=3)
        Letter.objects.filter(pk=letter.pk).update(first_replied_at=answered)
        letter.replies.filter(pk=draft.pk).update(
            drafted_at=answered - timedelta(hours=5), reviewed_at=answered
        )
        if state == "closed":
            services.close_letter(letter, by=handler)
        if consent and handler.has_perm("mailbox.publish_letters"):
            services.publish_letter(
                letter, by=handler, subject=subject, content=_anonymised(content)
            )

    created_messages = 0
    author = _user("dangyuan")
    reviewer = _user("shenhe")
    for number, (title, body, category_name, anonymous, status, reply) in enumerate(
        BOARD
    ):
        if BoardMessage.objects.filter(title=title).exists():
            continue
        category, _ = BoardCategory.objects.get_or_create(name=category_name)
        member = getattr(author, "member", None) if author else None
        # Posted on different days, checked a few hours later, answered the next day.
        posted = timezone.now() - timedelta(
            days=BOARD_DAYS_AGO[number % len(BOARD_DAYS_AGO)], hours=2 + number * 3
        )
        now = posted + timedelta(hours=3)
        BoardMessage.objects.create(
            created_at=posted,
            author=author,
            author_real_name=member.real_name if member else "孙明",
            show_anonymous=anonymous,
            category=category,
            title=title,
            body=body,
            status=status,
            moderated_at=now if status == "approved" else None,
            moderated_by=reviewer if status == "approved" else None,
            reply=reply,
            replied_at=now + timedelta(days=1) if reply else None,
            replied_by=reviewer if reply else None,
        )
        created_messages += 1

    summary = f"信箱 {len(boxes)} 个，新建来信 {created_letters} 封、留言 {created_messages} 条"
    if not (handler and leader):
        summary += "（未找到演示账号 xinxiang/lingdao，来信保持待受理）"
    if demo_number:
        summary += (
            f"；演示查询：编号 {demo_number}，查询码 {demo_query_code(demo_number)}"
            "（每封演示来信的查询码各不相同）"
        )
    return summary
