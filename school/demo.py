"""Demo party school: three courses, a demo video per lesson, members' study records."""

from __future__ import annotations

import datetime
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from . import services
from .models import (
    CourseAssignment,
    CourseCategory,
    CoursePage,
    LessonPage,
    LessonProgress,
    SchoolIndexPage,
    SchoolSettings,
    Video,
)
from .services import assign_course, import_video_file, install_school_section

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

CATEGORIES = ["党的理论", "党规党纪", "支部工作", "业务与廉洁"]

# The demo site's yearly 学时 requirement, scaled to its small catalogue (党校设置;
# a real site keeps the 32 and 56 of PORTAL_SCHOOL_*_YEARLY_TARGET or sets its own).
DEMO_TARGETS = {"member_yearly_target": 1, "secretary_yearly_target": 1}

# Each lesson: title, minutes of its demo video, summary, transcript lines. A course's
# 学时 follow the default rules from the total length (15–30 minutes: 0.5 学时).
COURSES = [
    {
        "slug": "dangzhang-jichu",
        "title": "学习党章 筑牢根基",
        "category": "党规党纪",
        "kind": CoursePage.Kind.REQUIRED,
        "lecturer": "集团党校 刘志强",
        "summary": "围绕党章的总纲和各章条文，帮助党员理解党的性质、宗旨和组织原则，"
        "明确党员的义务和权利，做到知章、学章、守章。",
        "lessons": [
            (
                "第一讲 党章的总纲",
                9,
                "总纲是党章的灵魂，阐明了党的性质、指导思想、奋斗目标和基本路线。"
                "本讲结合集团各支部的实际，讲解学习总纲应当把握的几个重点。",
                [
                    "同志们好，今天我们一起学习党章的总纲。",
                    "总纲集中回答了我们党是什么、要干什么这两个根本问题。",
                    "学习时要联系本岗位工作，想一想自己在生产经营中如何体现党员的先进性。",
                ],
            ),
            (
                "第二讲 党员的义务和权利",
                8,
                "党章第一章规定了党员的八项义务和八项权利。本讲逐条讲解，"
                "并说明在组织生活中如何正确行使权利、履行义务。",
                [
                    "党员的义务和权利是统一的，不能只讲权利不讲义务。",
                    "按时参加组织生活、按时交纳党费，是党员最基本的要求。",
                ],
            ),
        ],
    },
    {
        "slug": "zhibu-gongzuo-shiwu",
        "title": "新时代党支部工作实务",
        "category": "支部工作",
        "kind": CoursePage.Kind.REQUIRED,
        "lecturer": "机关第一党支部 周国平",
        "summary": "面向支部书记和支委，讲解“三会一课”、主题党日、发展党员等日常工作的"
        "规范流程，以及台账记录的常见问题。",
        "lessons": [
            (
                "“三会一课”怎么开",
                10,
                "支部党员大会、支委会、党小组会和党课各有分工。本讲用集团机关支部的"
                "做法作示范，说明会前准备、会中记录和会后落实。",
                ["开会之前要把议题定准，把材料备齐，把通知发到每一名党员。"],
            ),
            (
                "主题党日的组织与记录",
                7,
                "主题党日每月固定一天开展。本讲介绍确定主题、组织实施和填写台账的"
                "要点，并展示研发第一党支部的活动记录。",
                ["主题党日的主题要同本单位的中心工作结合起来，避免走过场。"],
            ),
        ],
    },
    {
        "slug": "lianjie-congye",
        "title": "廉洁从业 警钟长鸣",
        "category": "业务与廉洁",
        "kind": CoursePage.Kind.ELECTIVE,
        "lecturer": "集团纪委",
        "summary": "结合企业采购、招投标和费用报销中的风险点，讲解廉洁从业的具体要求。",
        "lessons": [
            (
                "采购环节的廉洁风险",
                8,
                "从需求提出、供应商选择到验收付款，逐个环节梳理可能出现的问题和防范办法。",
                ["采购需求要由使用部门提出，经过集体研究，防止量身定做。"],
            ),
        ],
    },
]


def _make_clip(path: Path, seconds: int, course: str, lesson: str) -> None:
    """A slide-style demo clip naming its course and lesson, with a running clock.

    Made with ffmpeg's colour source (no binaries in the repository) at one frame a
    second, which keeps minutes of video cheap to encode; the transcoder makes the
    360p/540p/720p ladder from it like from any upload.
    """
    command = clip_command(path, seconds, course, lesson)
    subprocess.run(command, check=True, timeout=300)  # noqa: S603


def clip_command(path: Path, seconds: int, course: str, lesson: str) -> list[str]:
    """The ffmpeg command _make_clip runs."""
    picture = f"color=c=0x8c1117:s=1280x720:r=1:d={seconds}"
    if FONT.exists():
        text = f"drawtext=fontfile={FONT}:fontcolor=white:x=(w-text_w)/2"
        picture += (
            f",{text}:text='{course}':fontsize=40:y=h*0.25"
            f",{text}:text='{lesson}':fontsize=72:y=h*0.42"
            f",{text}:text='%{{pts\\:hms}}':fontsize=36:y=h*0.7"
        )
    return [
            "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", picture,
            "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", str(seconds),
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "32k", str(path),
    ]  # fmt: skip


def _video(course: str, lesson: str, minutes: int, tmp: str) -> Video:
    title = f"{course}：{lesson}"
    video = Video.objects.filter(title=title).first()
    if video is None:
        clip = Path(tmp) / f"demo-{Video.objects.count()}.mp4"
        _make_clip(clip, minutes * 60, course, lesson)
        video = import_video_file(clip, title=title)
    return video


def _courses(index: SchoolIndexPage) -> list[CoursePage]:
    categories = {
        name: CourseCategory.objects.get_or_create(
            name=name, defaults={"sort_order": i}
        )[0]
        for i, name in enumerate(CATEGORIES)
    }
    courses = []
    with tempfile.TemporaryDirectory(prefix="school-demo-") as tmp:
        for spec in COURSES:
            course = CoursePage.objects.filter(slug=spec["slug"]).first()
            if course is not None:
                courses.append(course)
                continue
            course = CoursePage(
                title=spec["title"],
                slug=spec["slug"],
                summary=spec["summary"],
                lecturer=spec["lecturer"],
                kind=spec["kind"],
                category=categories[spec["category"]],
            )
            index.add_child(instance=course)
            course.save_revision().publish()
            for number, (title, minutes, summary, transcript) in enumerate(
                spec["lessons"], start=1
            ):
                lesson = LessonPage(
                    title=title,
                    slug=f"lesson-{number}",
                    video=_video(spec["title"], title, minutes, tmp),
                    summary=summary,
                    transcript="".join(f"<p>{line}</p>" for line in transcript),
                )
                course.add_child(instance=lesson)
                lesson.save_revision().publish()
            courses.append(course)
    return courses


# What a demo member studied, by pattern: for each course (in COURSES order) the
# share of each lesson watched. 1.0 completes a lesson (and the course once all are).
PATTERNS = [
    [[1, 1], [1, 1], [1]],  # all three courses: 1.25 学时, 先进
    [[1, 1], [1, 1], []],  # both required courses: 1 学时, 合格
    [[1, 1], [1, 1], []],
    [[1, 1], [1, 0.4], []],  # 0.5 学时, one course in progress
    [[0.6], [], []],  # started
    [[], [], []],  # not yet
]


# What 制造事业部's members finished last quarter (courses by their place in COURSES),
# the period of 网上考核's closed demo plan; a lesson finished then adds nothing when
# the member's pattern above watches it again in the last few weeks. 宋宇航 studied
# nothing and 袁成 only began a lesson: their 学习 part of that plan is 0.
EARLIER = {
    "马德胜": [1],
    "罗春燕": [0],
    "高建军": [0],
    "林小军": [0],
    "唐桂芳": [0, 2],
    "李晓红": [1],
    "董长青": [1],
    "梁晓燕": [0],
    "邓丽君": [0, 1],
    "彭亮": [2],
}
EARLIER_STARTED = {"袁成": 2}


def _earlier_records(lessons: list[list[LessonPage]]) -> None:
    """Last quarter's sittings of the members in EARLIER: one evening a lesson, a
    week or so apart from the quarter's third week, through write_beats as below."""
    from assessment.demo import previous_quarter
    from members.models import Member

    from .services import Beat, write_beats

    start, end = previous_quarter()
    names = set(EARLIER) | set(EARLIER_STARTED)
    for member in Member.objects.filter(real_name__in=names).order_by("pk"):
        sittings = [
            (services.lesson_target(lesson.pk), 1.0)
            for index in EARLIER.get(member.real_name, [])
            for lesson in lessons[index]
        ]
        if member.real_name in EARLIER_STARTED:
            first = lessons[EARLIER_STARTED[member.real_name]][0]
            sittings.append((services.lesson_target(first.pk), 0.5))
        beats = []
        for number, (target, share) in enumerate(sittings):
            day = min(
                end, start + datetime.timedelta(days=15 + 9 * number + member.pk % 6)
            )
            at = timezone.make_aware(
                datetime.datetime.combine(day, datetime.time(19, member.pk % 50))
            )
            watched = target.duration * share
            beats.append(Beat(member.pk, target, [[0, watched]], watched, watched, at))
        write_beats(beats)


def _study_records(courses: list[CoursePage]) -> int:
    """Members watch lessons as heartbeats would record it (school.services.write_beats):
    progress, days studied, completions and 学时 all come from the same watching."""
    from members.models import Member

    from .services import Beat, write_beats

    members = list(Member.objects.filter(user__username="dangyuan")) + list(
        Member.objects.exclude(user__username="dangyuan").order_by("pk")[:29]
    )
    if LessonProgress.objects.filter(member__in=members).exists():
        return len(members)
    lessons = [course.specific.lessons for course in courses]
    _earlier_records(lessons)
    today = timezone.localdate()
    for offset, member in enumerate(members):
        # 孙明 (dangyuan) finished the first course and is half-way through the second.
        pattern = PATTERNS[3 if offset == 0 else offset % len(PATTERNS)]
        sittings = [
            (services.lesson_target(lesson.pk), share)
            for course_lessons, shares in zip(lessons, pattern, strict=True)
            for lesson, share in zip(course_lessons, shares, strict=False)
        ]
        # One evening's sitting per lesson, a few days apart, the last one recently.
        step, last = 2 + offset % 5, today - datetime.timedelta(days=offset % 7)
        beats = []
        for number, (target, share) in enumerate(sittings):
            day = last - datetime.timedelta(days=step * (len(sittings) - 1 - number))
            at = timezone.make_aware(
                datetime.datetime.combine(day, datetime.time(20, offset % 50))
            )
            watched = target.duration * share
            beats.append(Beat(member.pk, target, [[0, watched]], watched, watched, at))
        write_beats(beats)
    return len(members)


# course slug, organisation code, days from today to the deadline, note: one still
# open and one already overdue, both for 孙明 (dangyuan) of 研发第一党支部.
ASSIGNMENTS = [
    (
        "zhibu-gongzuo-shiwu",
        "HX-YF",
        21,
        "结合本季度主题党日，由支部书记组织集中学习，其余党员自学。",
    ),
    ("lianjie-congye", "HX-YF-01", -5, "年度廉洁从业教育，全体党员必学。"),
]


def _assignments() -> int:
    """Required courses with deadlines, made once (the overdue one moved past)."""
    from members.models import Organization

    made = 0
    for slug, code, days, note in ASSIGNMENTS:
        course = CoursePage.objects.filter(slug=slug).first()
        organization = Organization.objects.filter(code=code).first()
        if course is None or organization is None:
            continue
        if CourseAssignment.objects.filter(course=course).exists():
            continue
        deadline = timezone.localdate() + datetime.timedelta(days=days)
        assignment = assign_course(
            course=course,
            organizations=[organization],
            deadline=max(deadline, timezone.localdate()),
            note=note,
        )
        if deadline < timezone.localdate():
            CourseAssignment.objects.filter(pk=assignment.pk).update(deadline=deadline)
        made += 1
    return made


def _targets() -> None:
    """The demo targets, unless staff changed the settings' first values."""
    school = SchoolSettings.load()
    first = (
        settings.PORTAL_SCHOOL_YEARLY_TARGET,
        settings.PORTAL_SCHOOL_SECRETARY_YEARLY_TARGET,
    )
    if (school.member_yearly_target, school.secretary_yearly_target) == first:
        for field, value in DEMO_TARGETS.items():
            setattr(school, field, value)
        school.save()


def load() -> str:
    """Create the demo school once; later runs change nothing."""
    index = install_school_section()
    courses = _courses(index)
    _targets()
    learners = _study_records(courses)
    assigned = _assignments()
    videos = Video.objects.filter(title__in=_video_titles())
    pending = sum(1 for video in videos if not video.is_ready)
    return (
        f"网上党校：{len(courses)} 门课程，{len(videos)} 个演示视频"
        f"（{pending} 个正在排队转码，由任务进程处理），{learners} 名党员的学习记录，"
        f"新指派必修课 {assigned} 项"
    )


def _video_titles() -> list[str]:
    return [
        f"{spec['title']}：{title}" for spec in COURSES for title, *_ in spec["lessons"]
    ]
