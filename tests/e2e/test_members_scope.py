"""A 宣传员 of branch A works in the Wagtail admin and cannot open branch B's members."""

import pytest
from django.urls import reverse

from tests.members.factories import (
    PASSWORD,
    MemberFactory,
    OrganizationFactory,
    make_site_admin,
    make_staff_user,
)

from .conftest import DESKTOP


@pytest.fixture
def branches(transactional_db):
    committee = OrganizationFactory(name="中共红星集团委员会", code="E")
    general = OrganizationFactory(
        parent=committee, name="制造事业部党总支", code="E-Z", kind="general_branch"
    )
    a = OrganizationFactory(parent=general, name="总装车间党支部", code="E-A")
    OrganizationFactory(parent=a, name="总装一班党小组", code="E-A-1", kind="group")
    b = OrganizationFactory(parent=general, name="机加车间党支部", code="E-B")
    return {"a": a, "b": b}


def admin_login(page, username):
    page.goto("/admin/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/admin/")


def test_publicist_of_branch_a_cannot_open_branch_b_member(
    new_page, branches, screenshot
):
    own = MemberFactory(
        organization=branches["a"], real_name="罗春燕", phone="13905310402"
    )
    other = MemberFactory(organization=branches["b"], real_name="董长青")
    make_staff_user("宣传员", scope=branches["a"], username="xc_a")
    page = new_page(viewport=DESKTOP)
    admin_login(page, "xc_a")

    page.goto(reverse("members_members:index"))
    rows = page.locator("table.listing tbody")
    assert "罗春燕" in rows.inner_text()
    assert "董长青" not in rows.inner_text()
    assert "139****0402" in rows.inner_text()
    screenshot(page, "member-list")

    page.get_by_role("link", name="罗春燕").click()
    page.wait_for_url(f"**{reverse('members_members:edit', args=[own.pk])}")
    assert page.locator("input[name=phone]").input_value() == "13905310402"
    screenshot(page, "own-member-edit")

    response = page.goto(reverse("members_members:edit", args=[other.pk]))
    assert response.status == 403
    assert page.get_by_role("heading", name="无权访问").is_visible()
    assert "董长青" not in page.content()
    screenshot(page, "other-member-denied")

    response = page.goto(reverse("members_members:inspect", args=[other.pk]))
    assert response.status == 403


def test_organisation_tree_in_the_admin(new_page, branches, screenshot):
    for n in range(3):
        MemberFactory(organization=branches["a"], real_name=f"党员{n}")
    make_site_admin(username="site_admin")
    page = new_page(viewport=DESKTOP)
    admin_login(page, "site_admin")
    page.goto(reverse("members_organizations:index"))
    names = page.locator("table.listing tbody .org-tree__node").all_inner_texts()
    assert [n.strip("└ \n") for n in names] == [
        "中共红星集团委员会",
        "制造事业部党总支",
        "总装车间党支部",
        "总装一班党小组",
        "机加车间党支部",
    ]
    row = page.locator("tr", has_text="制造事业部党总支")
    assert "党总支" in row.inner_text() and "3" in row.inner_text()
    screenshot(page, "tree")
    page.goto(reverse("members_members:import"))
    screenshot(page, "import")
