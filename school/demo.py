"""Demo party school: catalogue, three courses, generated demo videos, some study records."""

from __future__ import annotations

import datetime
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from . import stats
from .models import (
    CourseAssignment,
    CourseCategory,
    CourseCompletion,
    CoursePage,
    LessonPage,
    SchoolIndexPage,
    StudyDay,
    Video,
)
from .services import assign_course, import_video_file, install_school_section

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

CATEGORIES = ["党的理论", "党规党纪", "支部工作", "业务与廉洁"]

# title, seconds, caption
VIDEOS = [
    ("演示视频：党章学习导论", 24, "党章学习导论"),
    ("演示视频：支部工作要点", 18, "支部工作要点"),
]

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
                0,
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
                1,
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
                1,
                "支部党员大会、支委会、党小组会和党课各有分工。本讲用集团机关支部的"
                "做法作示范，说明会前准备、会中记录和会后落实。",
                ["开会之前要把议题定准，把材料备齐，把通知发到每一名党员。"],
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
                0,
                "从需求提出、供应商选择到验收付款，逐个环节梳理可能出现的问题和防范办法。",
                [],
            ),
        ],
    },
]


def _make_clip(path: Path, seconds: int, caption: str) -> None:
    """A demo clip from ffmpeg's test sources (no binaries in the repository)."""
    picture = f"testsrc2=s=1280x720:r=25:d={seconds}"
    if FONT.exists():
        picture += (
            f",drawtext=fontfile={FONT}:text='{caption}':fontsize=64:fontcolor=white"
            ":box=1:boxcolor=0x8c1117@0.85:boxborderw=24:x=(w-text_w)/2:y=h*0.7"
        )
    args = [
            "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", picture,
            "-f", "lavfi", "-i", f"sine=frequency=523:d={seconds}",
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", str(path),
    ]  # fmt: skip
    subprocess.run(args, check=True, timeout=300)  # noqa: S603


def _videos() -> list[Video]:
    videos = []
    with tempfile.TemporaryDirectory(prefix="school-demo-") as tmp:
        for index, (title, seconds, caption) in enumerate(VIDEOS):
            video = Video.objects.filter(title=title).first()
            if video is None:
                clip = Path(tmp) / f"demo-{index}.mp4"
                _make_clip(clip, seconds, caption)
                video = import_video_file(clip, title=title)
            videos.append(video)
    return videos


def _courses(index: SchoolIndexPage, videos: list[Video]) -> list[CoursePage]:
    categories = {
        name: CourseCategory.objects.get_or_create(
            name=name, defaults={"sort_order": i}
        )[0]
        for i, name in enumerate(CATEGORIES)
    }
    courses = []
    for spec in COURSES:
        course = CoursePage.objects.filter(slug=spec["slug"]).first()
        if course is None:
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
            for number, (title, video_index, summary, transcript) in enumerate(
                spec["lessons"], start=1
            ):
                lesson = LessonPage(
                    title=title,
                    slug=f"lesson-{number}",
                    video=videos[video_index],
                    summary=summary,
                    transcript="".join(f"<p>{line}</p>" for line in transcript),
                )
                course.add_child(instance=lesson)
                lesson.save_revision().publish()
        courses.append(course)
    return courses


def _study_records(courses: list[CoursePage]) -> int:
    """A few weeks of study time and completions so charts and reports show something."""
    from members.models import Member

    today = timezone.localdate()
    members = list(Member.objects.filter(user__username="dangyuan")) + list(
        Member.objects.exclude(user__username="dangyuan").order_by("pk")[:29]
    )
    for offset, member in enumerate(members):
        for days_ago in range(0, 70, 3 + offset % 4):
            StudyDay.objects.get_or_create(
                member=member,
                day=today - datetime.timedelta(days=days_ago),
                defaults={"seconds": 300 + (offset * 137 + days_ago * 53) % 2400},
            )
        if offset % 3 != 2 and courses:
            course = courses[offset % len(courses)]
            CourseCompletion.objects.get_or_create(
                member=member,
                course=course,
                defaults={
                    "year": today.year,
                    "completed_at": timezone.now() - datetime.timedelta(days=offset),
                    "credit_hours": Decimal("1") if offset % 2 else Decimal("0.5"),
                },
            )
    # Written past the services that keep the yearly summary: recompute it.
    stats.rebuild_study_years()
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


def load() -> str:
    """Create the demo school once; later runs change nothing."""
    index = install_school_section()
    videos = _videos()
    courses = _courses(index, videos)
    learners = _study_records(courses)
    assigned = _assignments()
    pending = sum(1 for video in videos if not Video.objects.get(pk=video.pk).is_ready)
    return (
        f"网上党校：{len(courses)} 门课程，{len(videos)} 个演示视频"
        f"（{pending} 个正在排队转码，由任务进程处理），{learners} 名党员的学习记录，"
        f"新指派必修课 {assigned} 项"
    )
