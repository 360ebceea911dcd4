"""A 宣传员 of branch A works in the Wagtail admin and cannot open branch B's members."""

from django.urls import reverse

from tests.members.factories import (
    MemberFactory,
    make_site_admin,
    make_staff_user,
)

from .conftest import DESKTOP
from .steps import sign_in


def test_publicist_of_branch_a_cannot_open_branch_b_member(
    new_page, branches, screenshot
):
    own = MemberFactory(
        organization=branches["a"], real_name="罗春燕", phone="13905310402"
    )
    other = MemberFactory(organization=branches["b"], real_name="董长青")
    make_staff_user("宣传员", scope=branches["a"], username="xc_a")
    page = new_page(viewport=DESKTOP)
    sign_in(page, "xc_a")

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
    sign_in(page, "site_admin")
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


def test_import_in_the_admin_reports_bad_rows(new_page, branches, screenshot, tmp_path):
    make_staff_user("宣传员", scope=branches["a"], username="xc_a")
    path = tmp_path / "名单.csv"
    path.write_bytes(
        "姓名,党员编号,手机号,所在党组织,党内职务,入党日期\n"
        "王小明,P001,13900000001,总装车间党支部,党员,2015-07-01\n"
        "李小红,P002,12345,总装一班党小组,党员,2016-07-01\n"
        "赵大海,P003,13900000003,机加车间党支部,党员,2017-07-01\n"
        "钱多多,P004,13900000004,总装车间党支部,党员,2099-01-01\n".encode("gb18030")
    )
    page = new_page(viewport=DESKTOP)
    sign_in(page, "xc_a")
    page.goto(reverse("members_members:import"))
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="导入").click()
    summary = page.locator(".import-summary")
    summary.wait_for()
    assert "新增 1" in summary.inner_text() and "失败 3" in summary.inner_text()
    problems = page.locator("tr.import-problem").all_inner_texts()
    assert len(problems) == 3
    assert "第 3 行" in problems[0] and "手机号" in problems[0]
    # Another branch reads as one that does not exist (issue 12 point 2).
    assert "在您管理的范围内找不到党组织" in problems[1]
    assert "晚于今天" in problems[2]
    screenshot(page, "report")

    page.goto(reverse("members_members:index"))
    page.locator("tr", has_text="王小明").get_by_role("button").first.click()
    page.get_by_role("link", name="检查").click()
    assert "139****0001" in page.locator("main").inner_text()
    assert "13900000001" not in page.content()
    screenshot(page, "inspect")


def test_moving_an_organisation_in_the_admin(new_page, branches, screenshot):
    make_site_admin(username="site_admin")
    page = new_page(viewport=DESKTOP)
    sign_in(page, "site_admin")
    group = "总装一班党小组"
    page.goto(reverse("members_organizations:index"))
    page.locator("tr", has_text=group).get_by_role("button").first.click()
    page.get_by_role("link", name="移动").click()
    target = page.get_by_label("移动到")
    assert "机加车间党支部（党支部）" in target.inner_text()
    target.select_option(value=str(branches["b"].pk))
    screenshot(page, "move")
    page.get_by_role("button", name="移动").click()
    page.wait_for_url(f"**{reverse('members_organizations:index')}")
    names = page.locator("table.listing tbody .org-tree__node").all_inner_texts()
    assert [n.strip("└ \n") for n in names][-1] == group
    page.goto(reverse("members_organizations:add") + f"?parent={branches['b'].pk}")
    assert page.get_by_label("类型").input_value() == "group"
    screenshot(page, "add-child")
