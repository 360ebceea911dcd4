"""Demo question bank (党章 and 党规 basics), a 随堂测验 and a 结业考试 for the demo
course 学习党章 筑牢根基. Loading again updates the same questions (by type and stem)."""

from __future__ import annotations

import datetime
import random

from .importers import HEADERS, import_questions, to_bytes
from .models import Exam, ExamRule, QuestionCategory

# 题型, 题干, 选项A–F, 答案, 解析, 分类, 难度 — the import format itself.
E = ""
QUESTIONS = [
    # ---- 党章：单选 ----
    ["单选", "中国共产党的最高理想和最终目标是（  ）。", "实现共产主义", "全面建成小康社会",
     "实现社会主义现代化", "实现中华民族伟大复兴", E, E, "A",
     "党章总纲：党的最高理想和最终目标是实现共产主义。", "党章", "容易"],
    ["单选", "党的根本宗旨是（  ）。", "实事求是", "全心全意为人民服务", "艰苦奋斗",
     "解放思想", E, E, "B", "党章总纲：党除了工人阶级和最广大人民群众的利益，没有自己特殊的利益，"
     "党的根本宗旨是全心全意为人民服务。", "党章", "容易"],
    ["单选", "党的最高领导机关是（  ）。", "党的全国代表大会和它所产生的中央委员会",
     "中央政治局", "中央政治局常务委员会", "中央书记处", E, E, "A",
     "党章第十条：党的最高领导机关，是党的全国代表大会和它所产生的中央委员会。", "党章", "容易"],
    ["单选", "党的根本组织原则是（  ）。", "集体领导", "民主集中制", "少数服从多数",
     "个人服从组织", E, E, "B",
     "党章总纲：民主集中制是民主基础上的集中和集中指导下的民主相结合，它既是党的根本组织原则，"
     "也是群众路线在党的生活中的运用。", "党章", "容易"],
    ["单选", "年满（  ）岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子，可以申请加入中国共产党。",
     "十六", "十七", "十八", "二十", E, E, "C", "党章第一条。", "党章", "容易"],
    ["单选", "预备党员的预备期为（  ）。", "半年", "一年", "一年半", "两年", E, E, "B",
     "党章第七条：预备党员的预备期为一年。", "党章", "容易"],
    ["单选", "党员的党龄，从（  ）之日算起。", "递交入党申请书", "支部大会通过其为预备党员",
     "预备期满转为正式党员", "上级党组织批准其为预备党员", E, E, "C",
     "党章第七条：党员的党龄，从预备期满转为正式党员之日算起。", "党章", "中等"],
    ["单选", "申请入党的人，要有（  ）名正式党员作介绍人。", "一", "两", "三", "四", E, E, "B",
     "党章第五条：申请入党的人，要填写入党志愿书，要有两名正式党员作介绍人。", "党章", "容易"],
    ["单选", "党的全国代表大会每（  ）年举行一次，由中央委员会召集。", "三", "四", "五", "六", E, E,
     "C", "党章规定党的全国代表大会每五年举行一次。", "党章", "容易"],
    ["单选", "党员如果没有正当理由，连续（  ）个月不参加党的组织生活，或不交纳党费，或不做党所分配的工作，"
     "就被认为是自行脱党。", "三", "六", "九", "十二", E, E, "B", "党章第九条。", "党章", "中等"],
    ["单选", "留党察看最长不超过（  ）。", "半年", "一年", "两年", "三年", E, E, "C",
     "党章规定：留党察看最长不超过两年。", "党章", "中等"],
    ["单选", "企业、农村、机关、学校、科研院所、街道社区、社会组织等基层单位，凡是有正式党员（  ）人以上的，"
     "都应当成立党的基层组织。", "三", "五", "七", "十", E, E, "A", "党章第三十条。", "党章", "容易"],
    ["单选", "中国共产党党徽为（  ）组成的图案。", "五角星和镰刀", "镰刀和锤头", "锤头和齿轮",
     "五角星和麦穗", E, E, "B", "党章第十一章：中国共产党党徽为镰刀和锤头组成的图案。", "党章", "容易"],
    ["单选", "预备党员除了没有（  ）以外，也同正式党员一样享有党员的权利。",
     "表决权、选举权和被选举权", "批评权和建议权", "申辩权", "知情权", E, E, "A",
     "党章第七条。", "党章", "中等"],
    ["单选", "党的纪律检查机关的主要任务中，居首位的是（  ）。", "维护党的章程和其他党内法规",
     "处理党员的申诉", "检查党的路线方针政策的执行情况", "协助党的委员会推进全面从严治党",
     E, E, "A", "党章规定党的各级纪律检查委员会的主要任务首先是维护党的章程和其他党内法规。",
     "党章", "困难"],
    # ---- 党章：多选 ----
    ["多选", "党的纪律处分有（  ）。", "警告", "严重警告", "撤销党内职务", "留党察看", "开除党籍",
     "记大过", "ABCDE", "党章规定党的纪律处分有五种；记大过是政务处分，不是党纪处分。", "党章", "中等"],
    ["多选", "党的纪律主要包括（  ）。", "政治纪律、组织纪律", "廉洁纪律", "群众纪律",
     "工作纪律、生活纪律", "保密纪律", E, "ABCD",
     "党章规定党的纪律主要包括政治纪律、组织纪律、廉洁纪律、群众纪律、工作纪律、生活纪律。",
     "党章", "中等"],
    ["多选", "四项基本原则是（  ）。", "坚持社会主义道路", "坚持人民民主专政",
     "坚持中国共产党的领导", "坚持马克思列宁主义毛泽东思想", "坚持改革开放", E, "ABCD",
     "改革开放与四项基本原则同为党的基本路线的内容，但不属于四项基本原则。", "党章", "中等"],
    ["多选", "下列属于党员权利的有（  ）。", "参加党的有关会议，阅读党的有关文件，接受党的教育和培训",
     "在党的会议上和党报党刊上，参加关于党的政策问题的讨论", "对党的工作提出建议和倡议",
     "行使表决权、选举权，有被选举权", "不经组织同意公开发表与党的决议相反的意见", E, "ABCD",
     "党章第四条列举党员的八项权利；E 项违反党的纪律。", "党章", "中等"],
    ["多选", "党章规定，党员必须履行的义务包括（  ）。", "认真学习马克思列宁主义、毛泽东思想等党的理论",
     "贯彻执行党的基本路线和各项方针、政策", "坚持党和人民的利益高于一切",
     "自觉遵守党的纪律，模范遵守国家的法律法规", "只对上级党组织负责", E, "ABCD",
     "党章第三条列举党员的八项义务。", "党章", "中等"],
    ["多选", "党的基本路线要求，把我国建设成为（  ）的社会主义现代化强国。", "富强民主", "文明和谐",
     "美丽", "自由平等", E, E, "ABC", "党章总纲中的党的基本路线。", "党章", "困难"],
    # ---- 党章：判断 ----
    ["判断", "中国共产党是中国工人阶级的先锋队，同时是中国人民和中华民族的先锋队。", E, E, E, E, E, E,
     "正确", "党章总纲第一句。", "党章", "容易"],
    ["判断", "党员领导干部可以不参加所在党支部的组织生活。", E, E, E, E, E, E, "错误",
     "党章第八条：每个党员，不论职务高低，都必须编入党的一个支部、小组或其他特定组织，参加党的组织生活。",
     "党章", "容易"],
    ["判断", "预备党员在预备期间有表决权。", E, E, E, E, E, E, "错误",
     "预备党员没有表决权、选举权和被选举权。", "党章", "容易"],
    ["判断", "中国共产党党旗为旗面缀有金黄色党徽图案的红旗。", E, E, E, E, E, E, "正确",
     "党章第十一章 党徽党旗。", "党章", "容易"],
    ["判断", "党员受留党察看处分期间，没有表决权、选举权和被选举权。", E, E, E, E, E, E, "正确",
     "党章第七章 党的纪律。", "党章", "中等"],
    ["判断", "对党员的纪律处分，必须经过支部大会讨论决定，报党的基层委员会批准。", E, E, E, E, E, E,
     "正确", "党章第七章（涉及问题比较重要或复杂、开除党籍的，还须报县级以上纪委审查批准）。",
     "党章", "困难"],
    ["判断", "党的中央委员会每届任期三年。", E, E, E, E, E, E, "错误",
     "党的中央委员会每届任期五年。", "党章", "容易"],
    ["判断", "中国共产主义青年团是党的助手和后备军。", E, E, E, E, E, E, "正确", "党章第十章。",
     "党章", "容易"],
    # ---- 党章：填空 ----
    ["填空", "党的最高理想和最终目标是实现（  ）。", E, E, E, E, E, E, "共产主义",
     "党章总纲。", "党章", "容易"],
    ["填空", "预备党员的预备期为（  ）年。", E, E, E, E, E, E, "一/1", "党章第七条。", "党章", "容易"],
    ["填空", "党的根本宗旨是（  ）。", E, E, E, E, E, E, "全心全意为人民服务", "党章总纲。",
     "党章", "容易"],
    ["填空", "民主集中制是民主基础上的（  ）和集中指导下的（  ）相结合。", E, E, E, E, E, E,
     "集中|民主", "党章总纲。", "党章", "中等"],
    ["填空", "申请入党的人，要填写（  ），要有两名正式党员作介绍人。", E, E, E, E, E, E,
     "入党志愿书", "党章第五条。", "党章", "中等"],
    # ---- 党规：单选 ----
    ["单选", "正式党员（  ）人以上的党支部，设立党支部委员会。", "三", "五", "七", "九", E, E, "C",
     "《中国共产党支部工作条例（试行）》规定，正式党员7人以上的党支部设立支部委员会，"
     "不足7人的设书记1人，必要时设副书记1人。", "党规", "中等"],
    ["单选", "党支部委员会会议一般每（  ）召开1次。", "周", "月", "季度", "半年", E, E, "B",
     "《中国共产党支部工作条例（试行）》：党支部委员会会议一般每月召开1次。", "党规", "容易"],
    ["单选", "党支部党员大会一般每（  ）召开1次。", "月", "季度", "半年", "年", E, E, "B",
     "《中国共产党支部工作条例（试行）》：党员大会一般每季度召开1次。", "党规", "容易"],
    ["单选", "党支部书记每年至少讲（  ）次党课。", "1", "2", "3", "4", E, E, "A",
     "《中国共产党支部工作条例（试行）》。", "党规", "容易"],
    ["单选", "党支部每月相对固定（  ）天开展主题党日。", "1", "2", "3", "半", E, E, "A",
     "《中国共产党支部工作条例（试行）》。", "党规", "容易"],
    ["单选", "组织生活会一般每年召开（  ）次。", "1", "2", "3", "4", E, E, "A",
     "《中国共产党支部工作条例（试行）》：组织生活会一般每年召开1次。", "党规", "容易"],
    ["单选", "按规定，月工资收入（税后）在3000元以下（含3000元）的在职党员，每月按（  ）交纳党费。",
     "0.5%", "1%", "1.5%", "2%", E, E, "A",
     "《关于中国共产党党费收缴、使用和管理的规定》。", "党规", "中等"],
    ["单选", "月工资收入（税后）在10000元以上的在职党员，每月按（  ）交纳党费。", "0.5%", "1%",
     "1.5%", "2%", E, E, "D", "《关于中国共产党党费收缴、使用和管理的规定》。", "党规", "中等"],
    ["单选", "党组织收到入党申请书后，应当在（  ）内派人同入党申请人谈话。", "一周", "半个月",
     "一个月", "三个月", E, E, "C", "《中国共产党发展党员工作细则》。", "党规", "中等"],
    ["单选", "党员每年集中学习培训时间一般不少于（  ）学时。", "24", "32", "40", "56", E, E, "B",
     "《中国共产党党员教育管理工作条例》；基层党组织书记和班子成员每年不少于56学时。", "党规", "中等"],
    ["单选", "党员受到开除党籍处分，（  ）年内不得重新入党。", "一", "三", "五", "十", E, E, "C",
     "《中国共产党纪律处分条例》。", "党规", "中等"],
    ["单选", "中央八项规定于（  ）由中央政治局会议审议通过。", "2012年12月", "2013年6月",
     "2014年10月", "2016年10月", E, E, "A", "2012年12月4日中央政治局会议审议通过。", "党规", "中等"],
    ["单选", "“四风”是指形式主义、官僚主义、享乐主义和（  ）。", "拜金主义", "奢靡之风",
     "个人主义", "分散主义", E, E, "B", "党的群众路线教育实践活动聚焦反对“四风”。", "党规", "容易"],
    ["单选", "党内监督的重点对象是（  ）。", "普通党员", "党的领导机关和领导干部特别是主要领导干部",
     "入党积极分子", "离退休党员", E, E, "B", "《中国共产党党内监督条例》。", "党规", "中等"],
    # ---- 党规：多选 ----
    ["多选", "“三会一课”中的“三会”是指（  ）。", "支部党员大会", "支部委员会会议", "党小组会",
     "民主生活会", "职工代表大会", E, "ABC", "“一课”是按时上好党课。", "党规", "容易"],
    ["多选", "“两学一做”的内容是（  ）。", "学党章党规", "学系列讲话", "做合格党员", "做优秀干部",
     E, E, "ABC", "2016年在全体党员中开展“学党章党规、学系列讲话，做合格党员”学习教育。", "党规", "容易"],
    ["多选", "“四个意识”是指（  ）。", "政治意识", "大局意识", "核心意识", "看齐意识", "忧患意识",
     E, "ABCD", E, "党规", "容易"],
    ["多选", "“四个自信”是指（  ）。", "道路自信", "理论自信", "制度自信", "文化自信", "历史自信",
     E, "ABCD", E, "党规", "容易"],
    ["多选", "党支部的组织生活制度包括（  ）。", "“三会一课”", "主题党日", "组织生活会",
     "民主评议党员", "谈心谈话", E, "ABCDE", "《中国共产党支部工作条例（试行）》。", "党规", "中等"],
    ["多选", "党员受到警告处分后，在一年内不得（  ）。", "在党内提升职务",
     "向党外组织推荐担任高于其原任职务的党外职务", "参加党的组织生活", "交纳党费", E, E, "AB",
     "《中国共产党纪律处分条例》：受到警告处分一年内、严重警告处分一年半内，不得在党内提升职务和"
     "向党外组织推荐担任高于其原任职务的党外职务。", "党规", "困难"],
    # ---- 党规：判断 ----
    ["判断", "预备党员从支部大会通过其为预备党员之日起交纳党费。", E, E, E, E, E, E, "正确",
     "《关于中国共产党党费收缴、使用和管理的规定》。", "党规", "中等"],
    ["判断", "党员应当每月交纳党费。", E, E, E, E, E, E, "正确",
     "党员一般应当每月交纳党费，遇特殊情况经同意可以预交或补交。", "党规", "容易"],
    ["判断", "正式党员不足7人的党支部，不设支部委员会，设书记1人，必要时设副书记1人。", E, E, E, E,
     E, E, "正确", "《中国共产党支部工作条例（试行）》。", "党规", "中等"],
    ["判断", "党小组会一般每季度召开1次。", E, E, E, E, E, E, "错误",
     "党小组会一般每月召开1次。", "党规", "中等"],
    ["判断", "民主评议党员一般每年开展1次。", E, E, E, E, E, E, "正确",
     "《中国共产党支部工作条例（试行）》。", "党规", "容易"],
    ["判断", "党支部委员之间、党支部委员和党员之间、党员和党员之间，每年谈心谈话一般不少于1次。",
     E, E, E, E, E, E, "正确", "《中国共产党支部工作条例（试行）》。", "党规", "中等"],
    ["判断", "党支部是党的基础组织，是党的组织体系的基本单元。", E, E, E, E, E, E, "正确",
     "《中国共产党支部工作条例（试行）》第二条。", "党规", "容易"],
    # ---- 党规：填空 ----
    ["填空", "“三会一课”中的“一课”是指按时上好（  ）。", E, E, E, E, E, E, "党课",
     E, "党规", "容易"],
    ["填空", "党员每年集中学习培训时间一般不少于（  ）学时。", E, E, E, E, E, E, "32/三十二",
     "《中国共产党党员教育管理工作条例》。", "党规", "中等"],
    ["填空", "正式党员（  ）人以上的党支部，设立党支部委员会。", E, E, E, E, E, E, "7/七",
     "《中国共产党支部工作条例（试行）》。", "党规", "中等"],
    ["填空", "党的纪律处分中，最重的一种是（  ）。", E, E, E, E, E, E, "开除党籍", "党章第七章 党的纪律。",
     "党规", "容易"],
    ["填空", "“四风”是指形式主义、（  ）、享乐主义和奢靡之风。", E, E, E, E, E, E, "官僚主义",
     E, "党规", "容易"],
]  # fmt: skip

COURSE_SLUG = "dangzhang-jichu"


def load() -> str:
    report = import_questions(to_bytes([HEADERS, *QUESTIONS], "xlsx"), "demo.xlsx")
    if report.problems:
        raise RuntimeError("; ".join(map(str, report.problems)))
    exams = _exams()
    issued = _certificates()
    contests = _contests()
    sets = _daily()
    return (
        f"题库 {len(QUESTIONS)} 题（{report.summary()}）；{exams}；{issued}；{contests}；"
        f"{sets}"
    )


DAILY_DAYS = 10


def _daily() -> str:
    """每日答题 of the last ten days for the demo members, answered through the
    services at believable times; 孙明 (dangyuan) answered the last six days in a row
    and has today's five still to do; 制造事业部's members answered on some days of last
    quarter too (EARLIER_DAILY). Members who already have sets are left alone."""
    from members.models import Member

    from . import daily, services
    from .models import DailySet

    today = daily.local_day()
    made = 0
    members = Member.objects.order_by("pk")[:80]
    for member in members:
        if DailySet.objects.filter(member=member).exists():
            continue
        made += _earlier_daily(member)
        rng = random.Random(f"daily-{_seed(member)}")  # noqa: S311 - demo data
        is_demo_member = member.user_id and member.user.username == "dangyuan"
        for back in range(DAILY_DAYS, -1, -1):
            if is_demo_member:
                if back == 0 or back > 6:
                    continue
            elif rng.random() > 0.7:
                continue
            day = today - datetime.timedelta(days=back)
            at = daily.day_start(day) + datetime.timedelta(
                hours=rng.choice([7, 8, 12, 19, 21]), minutes=rng.randint(0, 59)
            )
            if at > timezone_now():
                continue
            try:
                current = daily.start_today(member, now=at, rng=_draws(member, day))
            except services.ExamError:
                break
            skill = rng.uniform(0.55, 0.95)
            answers = list(current.attempt.answers.all())
            # Some leave a set half done (no streak that day); 孙明 never does: his
            # six-day streak is what the demo shows on 我的.
            finishes = is_demo_member or rng.random() > 0.1
            stop = len(answers) if finishes else rng.randint(1, 4)
            _answer(member, current, answers[:stop], at, rng, skill)
            made += 1
    return f"每日答题 {made} 份"


# Share of last quarter's days (网上考核's closed demo plan) on which each of
# 制造事业部's members answered 每日答题; written before their last ten days.
# (More than about 0.45 would use up the demo bank: questions answered right are not
# drawn again for 30 days.)
EARLIER_DAILY = {
    "马德胜": 0.4,
    "罗春燕": 0.35,
    "高建军": 0.3,
    "林小军": 0.3,
    "唐桂芳": 0.45,
    "宋宇航": 0.05,
    "李晓红": 0.3,
    "董长青": 0.15,
    "梁晓燕": 0.1,
    "邓丽君": 0.4,
    "彭亮": 0.15,
}


def _earlier_daily(member) -> int:
    """The member's 每日答题 of last quarter (EARLIER_DAILY), day by day in order."""
    from assessment.demo import previous_quarter

    from . import daily, services

    share = EARLIER_DAILY.get(member.real_name)
    if not share:
        return 0
    rng = random.Random(f"daily-earlier-{_seed(member)}")  # noqa: S311 - demo
    start, end = previous_quarter()
    made = 0
    for back in range((end - start).days + 1):
        day = start + datetime.timedelta(days=back)
        if rng.random() > share:
            continue
        at = daily.day_start(day) + datetime.timedelta(
            hours=rng.choice([7, 12, 20]), minutes=rng.randint(0, 59)
        )
        try:
            current = daily.start_today(member, now=at, rng=_draws(member, day))
        except services.ExamError:  # nothing left to draw that day
            continue
        _answer_set(member, current, at, rng)
        made += 1
    return made


def _answer_set(member, current, at, rng) -> None:
    """Every question of the day's set, right as often as the member's skill."""
    skill = rng.uniform(0.6, 0.95)
    _answer(member, current, current.attempt.answers.all(), at, rng, skill)


def _answer(member, current, answers, at, rng, skill: float) -> None:
    """These answers of the day's set, 25 seconds apart from ``at``, each right with
    the probability ``skill``."""
    from . import services

    for offset, answer in enumerate(answers, start=1):
        services.answer_and_mark(
            current.attempt,
            member=member,
            position=answer.position,
            response=_right(answer) if rng.random() < skill else _wrong(answer),
            now=at + datetime.timedelta(seconds=25 * offset),
        )


def _seed(member) -> str:
    """What a member's random demo history is seeded by: the same on every database
    and in every test order (primary keys are neither; questions are drawn by
    position in primary-key order, so the draws repeat too)."""
    return member.member_no or member.real_name


def _draws(member, what) -> random.Random:
    """The stream a demo attempt's questions are drawn and shuffled with: its own, so
    the choices of who answers when and how well stay as they were; seeded by the
    member and the day or contest, never by the clock (contest times follow it)."""
    return random.Random(f"draw-{_seed(member)}-{what}")  # noqa: S311


def timezone_now():
    from django.utils import timezone

    return timezone.now()


# title, days from today to the start, days of the window, share who take part.
CONTESTS = [
    ("“学党章 守党规”知识竞赛", -2, 9, 0.6),
    ("庆“七一”党史知识竞赛", -40, 7, 0.8),
]
# Held in last quarter (网上考核's closed demo plan): title, days from the quarter's
# first day to the start, days of the window, share who take part.
EARLIER_CONTEST = ("“学条例 强支部”党支部工作知识竞赛", 45, 10, 0.7)


def _contests() -> str:
    """A running contest of the whole tree and two closed ones (one of them last
    quarter) with their final ranking; demo members' attempts go through the services, as a member's would."""
    from django.utils import timezone

    from members.models import Member, Organization

    from . import services

    root = Organization.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return "未找到党组织，未建知识竞赛"
    from assessment.demo import previous_quarter

    made = []
    name, offset, length, part = EARLIER_CONTEST
    offset += (previous_quarter()[0] - timezone.localdate()).days
    for title, start_day, days, share in [(name, offset, length, part), *CONTESTS]:
        now = timezone.now()
        starts = now.replace(hour=8, minute=0, second=0, microsecond=0)
        starts += datetime.timedelta(days=start_day)
        exam, created = Exam.objects.get_or_create(
            title=title,
            kind=Exam.Kind.CONTEST,
            defaults={
                "organization": root,
                "starts_at": starts,
                "ends_at": starts + datetime.timedelta(days=days),
                "intro": "每次 10 题，限时 10 分钟，可答 2 次取最好成绩；"
                "党组织按人均得分排名，人多不占优。",
                "time_limit_minutes": 10,
                "max_attempts": 2,
                "pass_score": 60,
            },
        )
        made.append(exam.title)
        if not created:
            continue
        exam.audience.set([root])
        ExamRule.objects.create(exam=exam, count=10)
        rng = random.Random(title)  # noqa: S311 - repeatable demo data, no secret
        members = Member.objects.exclude(user__username="dangyuan").order_by("pk")
        for member in members:
            if rng.random() > share:
                continue
            at = max(exam.starts_at, min(now, exam.ends_at)) - datetime.timedelta(
                hours=rng.randint(1, 40)
            )
            at = max(at, exam.starts_at + datetime.timedelta(minutes=5))
            attempt = services.start_attempt(
                exam, member, now=at, rng=_draws(member, title)
            )
            skill = rng.uniform(0.5, 1.0)
            responses = {
                answer.position: (
                    _right(answer) if rng.random() < skill else _wrong(answer)
                )
                for answer in attempt.answers.all()
            }
            services.submit_attempt(
                attempt,
                member=member,
                responses=responses,
                now=at + datetime.timedelta(seconds=rng.randint(150, 560)),
            )
    return "知识竞赛「" + "」「".join(made) + "」"


def _right(answer):
    if answer.kind == "fill":
        return [part.split("/")[0] for part in answer.key.split("|")]
    return list(answer.key)


def _wrong(answer):
    if answer.kind == "fill":
        return ["不知道"] * len(answer.key.split("|"))
    others = [letter for letter in answer.letters if letter not in answer.key]
    # A 多选 whose key is every option: choosing one of them is wrong too.
    return others[:1] or list(answer.key)[:1]


def _certificates() -> str:
    """Certificates of the demo completions (issued on completion; this covers a
    database whose completions came first), one of them revoked."""
    from school.models import CourseCompletion

    from .certificates import issue_certificate, revoke_certificate
    from .models import Certificate

    have = set(Certificate.objects.values_list("member_id", "course_id"))
    for completion in CourseCompletion.objects.select_related(
        "member__organization", "course"
    ):
        if (completion.member_id, completion.course_id) not in have:
            issue_certificate(completion)
    revoked = Certificate.objects.filter(revoked_at__isnull=False).count()
    if not revoked:
        victim = (
            Certificate.objects.exclude(member__user__username="dangyuan")
            .order_by("pk")
            .last()
        )
        if victim is not None:
            revoke_certificate(
                victim, by=None, reason="学习记录核查中发现代学情况，证书撤销。"
            )
            revoked = 1
    total = Certificate.objects.count()
    return f"结业证书 {total} 张（已撤销 {revoked} 张）"


def _exams() -> str:
    from school.models import CoursePage

    course = CoursePage.objects.filter(slug=COURSE_SLUG).first()
    if course is None or not course.lessons:
        return "未找到演示课程，未建考试"
    charter = QuestionCategory.objects.get(name="党章")
    rules_category = QuestionCategory.objects.get(name="党规")
    quiz, created = Exam.objects.get_or_create(
        lesson=course.lessons[0],
        defaults={
            "title": "第一讲随堂测验",
            "kind": Exam.Kind.QUIZ,
            "intro": "学完《党章的总纲》后检验一下：5 道题，答对 3 道即可通过。",
            "time_limit_minutes": 10,
            "max_attempts": 0,
            "pass_score": 60,
        },
    )
    if created:
        for kind, count in (("single", 3), ("judge", 2)):
            ExamRule.objects.create(exam=quiz, kind=kind, category=charter, count=count)
    final, created = Exam.objects.get_or_create(
        course=course,
        defaults={
            "title": "学习党章 筑牢根基 结业考试",
            "kind": Exam.Kind.FINAL,
            "intro": "共 20 题，30 分钟，80 分及格，可考 3 次。通过后课程完成并计入学时。",
            "time_limit_minutes": 30,
            "max_attempts": 3,
            "pass_score": 80,
        },
    )
    if created:
        for kind, category, count in (
            ("single", charter, 6), ("multiple", charter, 3), ("judge", charter, 3),
            ("fill", charter, 2), ("single", rules_category, 3),
            ("judge", rules_category, 3),
        ):  # fmt: skip
            ExamRule.objects.create(
                exam=final, kind=kind, category=category, count=count
            )
    return f"随堂测验「{quiz.title}」，结业考试「{final.title}」"
