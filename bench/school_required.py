"""Required-course statistics and a member's 必修 badges at scale; prints figures.

Usage: .venv/bin/python bench/school_required.py [--members N] [--assignments K]
Builds a fresh SQLite database with the demo organisation tree, N members spread over
its branches and groups, K live courses each assigned to a part of the tree (half of
them overdue) and completions for about 40 % of the pairs, then times
required.required_report and required.overdue_members over the whole tree (what the
whole 党委 sees in 学习统计) and requirements_for for one member (what each catalogue
and course page adds).
"""

import argparse
import datetime
import statistics
import time

from fresh_site import fresh_site


def timed(function, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--assignments", type=int, default=6)
    args = parser.parse_args()

    var = fresh_site("bench-required-")
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from members import demo
    from members.models import Member, Organization
    from school.models import CourseAssignment, CourseCompletion, CoursePage
    from school.required import overdue_members, required_report, requirements_for
    from school.services import install_school_section

    demo.load()
    index = install_school_section()
    leaves = list(Organization.objects.filter(kind__in=["branch", "group"]))
    User = get_user_model()
    users = []
    for n in range(args.members):
        user = User(username=f"bench{n:07d}")
        user.set_unusable_password()
        users.append(user)
    users = User.objects.bulk_create(users)
    Member.objects.bulk_create(
        Member(
            user=user,
            real_name=f"党员{n}",
            member_no=f"B{n:07d}",
            organization=leaves[n % len(leaves)],
        )
        for n, user in enumerate(users)
    )
    today = timezone.localdate()
    roots = list(Organization.objects.filter(depth__lte=2))
    courses = []
    for k in range(args.assignments):
        course = CoursePage(title=f"必修课程{k}", slug=f"bench-{k}")
        index.add_child(instance=course)
        course.save_revision().publish()
        courses.append(course)
        assignment = CourseAssignment.objects.create(
            course=course,
            deadline=today + datetime.timedelta(days=(-10 if k % 2 else 10) + k),
        )
        assignment.organizations.set([roots[k % len(roots)]])
    member_ids = list(Member.objects.values_list("pk", flat=True))
    CourseCompletion.objects.bulk_create(
        CourseCompletion(
            member_id=member_id,
            course=courses[(member_id + k) % len(courses)],
            year=today.year,
            credit_hours=1,
            completed_at=timezone.now(),
        )
        for k in range(max(1, args.assignments * 2 // 5))
        for member_id in member_ids
    )
    everything = Organization.objects.all()
    report_ms, rows = timed(lambda: required_report(everything, today.year))
    overdue_ms, overdue = timed(lambda: overdue_members(everything, today.year))
    member = Member.objects.select_related("organization").order_by("-pk").first()
    with CaptureQueriesContext(connection) as queries:
        member_ms, mine = timed(lambda: requirements_for(member), repeat=20)
    top = rows[0]
    print(
        f"{args.members} members, {args.assignments} assignments, "
        f"{CourseCompletion.objects.count()} completions (SQLite, {var})"
    )
    print(
        f"required_report (whole tree, {len(rows)} rows): median {report_ms:.0f} ms; "
        f"top row assigned {top.assigned}, completed {top.completed}, "
        f"overdue {top.overdue}"
    )
    print(f"overdue_members ({len(overdue)} pairs): median {overdue_ms:.0f} ms")
    print(
        f"requirements_for one member ({len(mine)} courses): median "
        f"{member_ms:.1f} ms, {len(queries) // 20} queries"
    )


if __name__ == "__main__":
    main()
