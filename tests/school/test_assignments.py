"""必修课指派 in the admin: who may assign to which organisations, and what is saved."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from members.roles import LEADER, MEMBER, PUBLICIST, SCHOOL_ADMIN
from school.models import CourseAssignment
from tests.members.factories import (
    MemberFactory,
    make_site_admin,
    make_staff_user,
)
from tests.school.factories import CourseAssignmentFactory

TODAY = timezone.localdate


@pytest.fixture
def school_admin_a(tree):
    """A 党校管理员 whose organisation scope is branch A."""
    return make_staff_user(SCHOOL_ADMIN, scope=tree["a"], username="dx_a")


def form_data(course, organizations, deadline=None, note=""):
    deadline = deadline or TODAY() + datetime.timedelta(days=30)
    return {
        "course": course.pk,
        "organizations": [org.pk for org in organizations],
        "deadline": deadline.isoformat(),
        "note": note,
    }


def test_school_admin_assigns_to_their_branch_and_it_is_logged(
    client, tree, course, school_admin_a
):
    client.force_login(school_admin_a)
    response = client.post(
        reverse("school_assignments:add"),
        form_data(course, [tree["a"]], note="结合主题党日学习"),
    )
    assert response.status_code == 302
    assignment = CourseAssignment.objects.get()
    assert list(assignment.organizations.all()) == [tree["a"]]
    assert assignment.assigned_by == school_admin_a
    assert assignment.note == "结合主题党日学习"
    entry = ModelLogEntry.objects.get(object_id=str(assignment.pk))
    assert entry.action == "wagtail.create"
    assert entry.user == school_admin_a


def test_form_lists_only_organisations_in_scope(client, tree, course, school_admin_a):
    client.force_login(school_admin_a)
    html = client.get(reverse("school_assignments:add")).content.decode()
    assert "甲党支部" in html and "甲一党小组" in html
    assert "乙党支部" not in html and "测试党委" not in html


@pytest.mark.parametrize("target", ["b", "committee"])
def test_assigning_outside_the_scope_is_refused_with_403(
    client, tree, course, school_admin_a, target
):
    client.force_login(school_admin_a)
    response = client.post(
        reverse("school_assignments:add"),
        form_data(course, [tree["a"], tree[target]]),
    )
    assert response.status_code == 403
    assert "不在您管理的党组织范围内" in response.content.decode()
    assert not CourseAssignment.objects.exists()
    prefilled = reverse("school_assignments:add") + f"?organization={tree[target].pk}"
    assert client.get(prefilled).status_code == 403


def test_assignments_outside_the_scope_are_hidden_and_refused(
    client, tree, course, school_admin_a
):
    theirs = CourseAssignmentFactory(
        course=course,
        organizations=[tree["b"]],
        deadline=TODAY() + datetime.timedelta(days=5),
    )
    wide = CourseAssignmentFactory(
        course=course,
        organizations=[tree["a"], tree["b"]],
        deadline=TODAY() + datetime.timedelta(days=6),
    )
    mine = CourseAssignmentFactory(course=course, organizations=[tree["a1"]])
    client.force_login(school_admin_a)
    listing = client.get(reverse("school_assignments:index"))
    assert listing.status_code == 200
    assert reverse("school_assignments:edit", args=[mine.pk]) in (
        listing.content.decode()
    )
    for other in (theirs, wide):
        assert reverse("school_assignments:edit", args=[other.pk]) not in (
            listing.content.decode()
        )
        for name in ("edit", "delete", "history"):
            url = reverse(f"school_assignments:{name}", args=[other.pk])
            assert client.get(url).status_code == 403, name
        response = client.post(
            reverse("school_assignments:delete", args=[other.pk]), {}
        )
        assert response.status_code == 403
    assert CourseAssignment.objects.count() == 3


def test_editing_cannot_move_an_assignment_outside_the_scope(
    client, tree, course, school_admin_a
):
    mine = CourseAssignmentFactory(course=course, organizations=[tree["a"]])
    client.force_login(school_admin_a)
    response = client.post(
        reverse("school_assignments:edit", args=[mine.pk]),
        form_data(course, [tree["b"]]),
    )
    assert response.status_code == 403
    assert list(mine.organizations.all()) == [tree["a"]]


@pytest.mark.parametrize(
    ("role", "status"),
    # 党员 have no admin access at all: Wagtail sends them to the login page.
    [(PUBLICIST, 403), (LEADER, 403), (MEMBER, 302)],
)
def test_roles_without_the_right_are_refused_even_with_a_scope(
    client, tree, course, role, status
):
    user = make_staff_user(role, scope=tree["a"], username="u_role")
    client.force_login(user)
    for url in (
        reverse("school_assignments:index"),
        reverse("school_assignments:add"),
    ):
        response = client.get(url)
        assert response.status_code == status, url
        if status == 403:
            assert "您没有指派必修课的权限" in response.content.decode()
    response = client.post(
        reverse("school_assignments:add"), form_data(course, [tree["a"]])
    )
    assert response.status_code == status
    assert not CourseAssignment.objects.exists()


def test_school_admin_without_a_scope_may_assign_nothing(client, tree, course):
    user = make_staff_user(SCHOOL_ADMIN, username="dx_none")
    client.force_login(user)
    response = client.post(
        reverse("school_assignments:add"), form_data(course, [tree["a"]])
    )
    assert response.status_code == 403
    assert not CourseAssignment.objects.exists()


def test_superuser_and_school_admin_of_the_root_assign_anywhere(
    client, django_user_model, tree, course
):
    root_admin = make_staff_user(SCHOOL_ADMIN, scope=tree["committee"], username="dx")
    superuser = django_user_model.objects.create_superuser("root2", password="x")
    for user, org in ((root_admin, tree["b"]), (superuser, tree["committee"])):
        client.force_login(user)
        response = client.post(
            reverse("school_assignments:add"), form_data(course, [org])
        )
        assert response.status_code == 302
    assert CourseAssignment.objects.count() == 2


def test_site_admin_without_the_school_right_is_refused(client, tree, course):
    client.force_login(make_site_admin(username="sa"))
    response = client.post(
        reverse("school_assignments:add"), form_data(course, [tree["a"]])
    )
    assert response.status_code == 403
    assert not CourseAssignment.objects.exists()


def test_deadline_in_the_past_is_refused_in_chinese(
    client, tree, course, school_admin_a
):
    client.force_login(school_admin_a)
    response = client.post(
        reverse("school_assignments:add"),
        form_data(course, [tree["a"]], deadline=TODAY() - datetime.timedelta(days=1)),
    )
    assert response.status_code == 200
    assert "截止日期不能早于今天" in response.content.decode()
    assert not CourseAssignment.objects.exists()


def test_hostile_ids_are_answered_without_a_server_error(
    client, tree, course, school_admin_a
):
    client.force_login(school_admin_a)
    url = reverse("school_assignments:add")
    for value in ("9" * 25, "-1", "²", "abc"):
        assert client.get(url, {"organization": value}).status_code == 400
        data = form_data(course, [tree["a"]])
        data["organizations"] = [value]
        assert client.post(url, data).status_code == 200
    assert not CourseAssignment.objects.exists()


def test_index_filters_by_course_organisation_and_state(
    client, tree, course, school_admin_a
):
    open_one = CourseAssignmentFactory(course=course, organizations=[tree["a1"]])
    closed = CourseAssignmentFactory(
        course=course,
        organizations=[tree["a"]],
        deadline=TODAY() - datetime.timedelta(days=3),
    )
    client.force_login(school_admin_a)
    url = reverse("school_assignments:index")

    def listed(params):
        html = client.get(url, params).content.decode()
        return {
            a.pk
            for a in (open_one, closed)
            if reverse("school_assignments:edit", args=[a.pk]) in html
        }

    assert listed({}) == {open_one.pk, closed.pk}
    assert listed({"state": "open"}) == {open_one.pk}
    assert listed({"state": "closed"}) == {closed.pk}
    assert listed({"organization": tree["a1"].pk}) == {open_one.pk, closed.pk}
    assert listed({"course": course.pk}) == {open_one.pk, closed.pk}


def test_assignment_reaches_members_below_and_not_beside(tree, course):
    from school.required import members_pending, members_reached

    below = MemberFactory(organization=tree["a1"])
    beside = MemberFactory(organization=tree["b"])
    assignment = CourseAssignmentFactory(
        course=course, organizations=[tree["a"]], deadline=TODAY()
    )
    assert list(members_reached(assignment)) == [below]
    assert beside not in members_reached(assignment)
    assert list(members_pending(assignment)) == [below]


def test_hostile_filter_values_are_answered_without_a_server_error(
    client, tree, course, school_admin_a
):
    client.force_login(school_admin_a)
    for value in ("9" * 25, "²", "1e400", "-1"):
        for name in ("course", "organization", "state"):
            for url in (
                reverse("school_assignments:index"),
                reverse("school_assignments:index_results"),
            ):
                response = client.get(url, {name: value})
                assert response.status_code == 200, (url, name, value)
