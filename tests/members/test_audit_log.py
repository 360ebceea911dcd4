"""Site history and object histories of members and organisations follow the scope."""

import csv
import io

import pytest
from django.urls import reverse
from wagtail.log_actions import registry
from wagtail.models import PageLogEntry

from members.models import ScopedModelLogEntry
from members.services import create_member, create_organization, delete_member

from .factories import UserFactory, make_site_admin, make_staff_user

SITE_HISTORY = "/admin/reports/site-history/"


@pytest.fixture
def site_admin(db):
    return make_site_admin(username="zhan_admin", first_name="站管")


@pytest.fixture
def logged(tree, site_admin):
    """Members and a group created through the services, so each has log entries."""
    return {
        "a": create_member(
            real_name="冯玉梅", organization=tree["a"], member_no="L-A1", by=site_admin
        ),
        "b": create_member(
            real_name="褚建国", organization=tree["b"], member_no="L-B1", by=site_admin
        ),
        "group_b": create_organization(
            name="乙一党小组",
            kind="group",
            code="T-B-1",
            parent=tree["b"],
            by=site_admin,
        ),
    }


@pytest.fixture
def admin_a(tree):
    return make_staff_user("宣传员", scope=tree["a"], username="org_admin_a")


@pytest.fixture
def admin_b(tree):
    return make_staff_user("宣传员", scope=tree["b"], username="org_admin_b")


def history_text(client, **params) -> str:
    response = client.get(SITE_HISTORY, params)
    assert response.status_code == 200
    if "export" not in params:
        return response.content.decode()
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    return "\n".join(
        ",".join(row) for row in csv.reader(io.StringIO(body.decode("utf-8-sig")))
    )


@pytest.mark.parametrize("export", [None, "csv"])
def test_organisation_admins_see_only_their_branch(
    client, logged, admin_a, admin_b, export
):
    params = {"export": export} if export else {}
    client.force_login(admin_a)
    text = history_text(client, **params)
    assert "冯玉梅" in text
    assert "褚建国" not in text and "乙一党小组" not in text
    client.force_login(admin_b)
    text = history_text(client, **params)
    assert "褚建国" in text and "乙一党小组" in text
    assert "冯玉梅" not in text


def test_site_admin_sees_every_branch(client, logged, site_admin):
    client.force_login(site_admin)
    text = history_text(client, export="csv")
    assert "冯玉梅" in text and "褚建国" in text and "乙一党小组" in text


def test_a_deleted_members_entries_are_for_site_admins_only(
    client, logged, admin_a, site_admin
):
    delete_member(logged["a"], by=admin_a)
    client.force_login(admin_a)
    assert "冯玉梅" not in history_text(client, export="csv")
    client.force_login(site_admin)
    assert "冯玉梅" in history_text(client, export="csv")


def test_object_history_outside_the_scope_is_refused(client, logged, admin_a):
    client.force_login(admin_a)
    own = client.get(reverse("members_members:history", args=[logged["a"].pk]))
    assert own.status_code == 200 and "冯玉梅" in own.content.decode()
    other = client.get(reverse("members_members:history", args=[logged["b"].pk]))
    assert other.status_code == 403 and "褚建国" not in other.content.decode()


def test_user_filter_lists_only_authors_of_visible_entries(
    client, logged, admin_a, home_page
):
    editor = UserFactory(username="page_editor", first_name="页面编辑")
    PageLogEntry.objects.log_action(home_page, "wagtail.edit", user=editor)
    client.force_login(admin_a)
    response = client.get(SITE_HISTORY)
    labels = " ".join(
        str(label)
        for _, label in response.context["filters"].form["user"].field.choices
    )
    assert "站管" in labels  # created 冯玉梅, whom admin_a manages
    assert "页面编辑" not in labels and "page_editor" not in labels
    types = " ".join(
        str(label)
        for _, label in response.context["filters"].form["object_type"].field.choices
    )
    assert "党员" in types


def test_every_log_model_applies_the_scopes():
    models = registry.get_log_entry_models()
    assert models == {ScopedModelLogEntry, PageLogEntry}
    assert registry.get_log_model_for_model(UserFactory._meta.model) is (
        ScopedModelLogEntry
    )
