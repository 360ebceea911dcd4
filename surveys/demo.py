"""Demo surveys: one open to members with some answers, one finished public one
whose results anyone may read."""

from datetime import timedelta

from django.http import QueryDict
from django.utils import timezone

OPEN_SURVEY = {
    "title": "2026年度党员教育培训需求调查",
    "intro": "为办好今年的党员教育培训，集团党委想了解大家的学习需求。"
    "本调查匿名进行，约需 3 分钟。",
    "audience": "members",
    "results_visibility": "respondents",
    "opens": -3,
    "closes": 12,
    "questions": [
        (
            "single",
            "您最希望采用哪种学习形式？",
            "集中授课\n网上党校视频课\n现场教学（参观教育基地）\n支部研讨交流",
        ),
        (
            "multiple",
            "您希望增加哪些方面的学习内容？（可多选）",
            "党的创新理论\n党章党规党纪\n党史学习\n业务技能与安全生产\n时事政策解读",
        ),
        ("rating", "您对去年党员教育培训的总体满意度", ""),
        ("text", "对今年的培训安排，您还有什么建议？", ""),
    ],
    # single, multiple, rating (0—4), text
    "answers": [
        (
            "1",
            ["0", "1"],
            "4",
            "网上党校的视频希望能按岗位推荐，车间一线党员时间比较零散。",
        ),
        ("2", ["2", "3"], "3", ""),
        ("1", ["0", "4"], "4", "建议每季度安排一次专题辅导。"),
        ("0", ["1", "3"], "2", "集中授课时间尽量避开月底生产高峰。"),
        ("1", ["0"], "3", ""),
        ("3", ["3", "4"], "4", ""),
    ],
}

CLOSED_SURVEY = {
    "title": "集团党建网改版意见征集",
    "intro": "集团党建网计划于年内改版，欢迎职工群众和社会各界提出意见建议。",
    "audience": "public",
    "results_visibility": "public",
    "opens": -30,
    "closes": -6,
    "questions": [
        ("single", "您主要通过什么设备访问党建网？", "手机\n电脑\n平板"),
        (
            "multiple",
            "您最常看的栏目是？（可多选）",
            "党建要闻\n基层动态\n政策法规\n网上党校\n网上公示",
        ),
        ("rating", "您对党建网现有页面的总体评价", ""),
        ("text", "您对改版有什么具体建议？", ""),
    ],
    "answers": [
        ("0", ["0", "1"], "3", "手机上字号可以再大一些，长辈们看着吃力。"),
        ("0", ["1", "3"], "4", ""),
        ("1", ["2"], "2", "政策法规栏目希望能按年份和发文单位筛选。"),
        ("0", ["0", "4"], "3", ""),
        ("0", ["1"], "4", "基层动态更新很及时，希望多配现场照片。"),
        ("1", ["0", "2", "3"], "3", ""),
        ("0", ["3"], "4", "网上党校的视频在手机流量下能否选择清晰度？"),
        ("2", ["0"], "2", ""),
    ],
}


def _survey(spec, owner, now):
    from .models import Question, Survey

    existing = Survey.objects.filter(title=spec["title"]).first()
    if existing is not None:
        return existing, False
    survey = Survey.objects.create(
        title=spec["title"],
        intro=spec["intro"],
        owner=owner,
        audience=spec["audience"],
        anonymous=True,
        results_visibility=spec["results_visibility"],
        opens_at=now + timedelta(days=spec["opens"]),
        closes_at=now + timedelta(days=spec["closes"]),
        is_published=True,
    )
    for order, (kind, text, options) in enumerate(spec["questions"]):
        Question.objects.create(
            survey=survey,
            sort_order=order,
            kind=kind,
            text=text,
            options=options,
            required=kind != "text",
        )
    return survey, True


def _seed_answers(survey, spec) -> None:
    """The spec's responses, checked by the same parser the form goes through, as
    if sent from distinct browsers (nobody's account)."""
    from . import services
    from .models import Answer, Response

    questions = list(survey.questions.all())
    for number, (single, multiple, rating, text) in enumerate(spec["answers"]):
        data = QueryDict(mutable=True)
        data[f"q{questions[0].pk}"] = single
        data.setlist(f"q{questions[1].pk}", multiple)
        data[f"q{questions[2].pk}"] = rating
        data[f"q{questions[3].pk}"] = text
        parsed = services.parse_answers(questions, data)
        response = Response.objects.create(
            survey=survey,
            respondent_key=services.respondent_key(survey, token=f"demo-{number}"),
            submitted_on=timezone.localdate(survey.opens_at) + timedelta(days=1),
        )
        Answer.objects.bulk_create(
            [
                Answer(response=response, question_id=qid, option=index)
                for qid, indexes in parsed.options.items()
                for index in indexes
            ]
            + [
                Answer(response=response, question_id=qid, text=value)
                for qid, value in parsed.texts.items()
            ]
        )


def load() -> str:
    """Create what is missing; returns a short Chinese summary."""
    from members.models import Organization

    owner = Organization.objects.filter(code="HX").first()
    if owner is None:
        return "跳过：未找到演示党组织"
    now = timezone.now()
    made = 0
    for spec in (OPEN_SURVEY, CLOSED_SURVEY):
        survey, created = _survey(spec, owner, now)
        if created:
            _seed_answers(survey, spec)
            made += 1
    return (
        f"网上调查 2 份（新建 {made} 份）：“{OPEN_SURVEY['title']}”进行中，"
        f"“{CLOSED_SURVEY['title']}”已结束、结果公开"
    )
