import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import AdminScope, Member, Organization, SecurityEvent
from members.scopes import organizations_for

from .factories import make_site_admin, make_staff_user
from .test_services import csv_bytes


def url(name, *args):
    return reverse(name, args=args)


@pytest.fixture
def staff_client(client, publicist_a):
    client.force_login(publicist_a)
    return client


def test_member_list_shows_only_the_scope_with_masked_phones(
    staff_client, member_a, member_a1, member_b
):
    response = staff_client.get(url("members_members:index"))
    html = response.content.decode()
    assert response.status_code == 200
    assert member_a.real_name in html and member_a1.real_name in html
    assert member_b.real_name not in html
    assert "138****2222" in html
    assert "13811112222" not in html


def test_out_of_scope_member_urls_are_refused_with_403(staff_client, member_b):
    for name in [
        "members_members:edit",
        "members_members:inspect",
        "members_members:delete",
        "members_members:history",
    ]:
        response = staff_client.get(url(name, member_b.pk))
        assert response.status_code == 403, name
        assert "不在您管理的党组织范围内" in response.content.decode()
    response = staff_client.post(
        url("members_members:delete", member_b.pk), {"confirm": "1"}
    )
    assert response.status_code == 403
    assert Member.objects.filter(pk=member_b.pk).exists()


def test_own_member_opens_with_full_phone_in_the_edit_form_only(staff_client, member_a):
    edit = staff_client.get(url("members_members:edit", member_a.pk)).content.decode()
    assert 'value="13811112222"' in edit
    inspect = staff_client.get(url("members_members:inspect", member_a.pk))
    assert inspect.status_code == 200
    assert "138****2222" in inspect.content.decode()
    assert "13811112222" not in inspect.content.decode()


def test_member_cannot_be_moved_out_of_scope_through_the_form(
    staff_client, tree, member_a
):
    response = staff_client.post(
        url("members_members:edit", member_a.pk),
        {
            "real_name": member_a.real_name,
            "member_no": member_a.member_no,
            "organization": tree["b"].pk,
            "party_post": "党员",
            "joined_party_on": "",
            "phone": member_a.phone,
        },
    )
    assert response.status_code == 200
    member_a.refresh_from_db()
    assert member_a.organization == tree["a"]


def test_adding_a_member_in_the_admin_creates_their_account(staff_client, tree):
    response = staff_client.post(
        url("members_members:add"),
        {
            "real_name": "新党员",
            "member_no": "",
            "organization": tree["a1"].pk,
            "party_post": "党员",
            "joined_party_on": "2020-07-01",
            "phone": "139 0000 1111",
        },
    )
    assert response.status_code == 302
    member = Member.objects.get(real_name="新党员")
    assert member.user.username == "13900001111"
    assert not member.user.has_usable_password()


def test_bad_phone_in_the_admin_form_gets_a_chinese_error(staff_client, tree):
    response = staff_client.post(
        url("members_members:add"),
        {"real_name": "错号", "organization": tree["a"].pk, "phone": "12345"},
    )
    assert "格式不正确" in response.content.decode()
    assert not Member.objects.filter(real_name="错号").exists()


def test_search_by_name_and_filter_by_organisation(staff_client, member_a, member_a1):
    html = staff_client.get(
        url("members_members:index"), {"q": member_a1.real_name}
    ).content.decode()
    assert member_a1.real_name in html and member_a.real_name not in html
    html = staff_client.get(
        url("members_members:index"), {"organization": member_a1.organization.pk}
    ).content.decode()
    assert member_a1.real_name in html and member_a.real_name not in html


def test_admin_export_is_scoped_and_audited(staff_client, member_a, member_b):
    response = staff_client.get(url("members_members:index"), {"export": "csv"})
    text = response.getvalue().decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "13811112222" in text and member_a.real_name in text
    assert member_b.real_name not in text
    event = SecurityEvent.objects.get(action="export")
    assert event.username == "xc_a" and "CSV" in event.detail
    response = staff_client.get(url("members_members:index"), {"export": "xlsx"})
    assert response.content[:2] == b"PK"


def test_admin_import_shows_the_same_row_report(staff_client, tree):
    upload = SimpleUploadedFile(
        "名单.csv",
        csv_bytes(
            [
                ["本支部", "S1", "", "甲党支部", "", ""],
                ["外支部", "S2", "", "乙党支部", "", ""],
            ]
        ),
    )
    response = staff_client.post(url("members_members:import"), {"file": upload})
    html = response.content.decode()
    assert "新增 1" in html and "失败 1" in html
    assert "第 3 行" in html and "在您管理的范围内找不到党组织「乙党支部」" in html
    assert Member.objects.filter(member_no="S1").exists()


def test_organisation_tree_lists_the_scope_with_member_counts(
    staff_client, tree, member_a, member_a1
):
    html = staff_client.get(url("members_organizations:index")).content.decode()
    assert "甲党支部" in html and "甲一党小组" in html
    assert "乙党支部" not in html and "测试党总支" not in html
    assert 'data-depth="1"' in html


def test_organisation_urls_outside_scope_are_refused(staff_client, tree):
    for name in ["members_organizations:edit", "members_organizations:delete"]:
        assert staff_client.get(url(name, tree["b"].pk)).status_code == 403
    # The scope root may be edited but not deleted or moved by its administrator.
    assert (
        staff_client.get(url("members_organizations:edit", tree["a"].pk)).status_code
        == 200
    )
    assert (
        staff_client.get(url("members_organizations:delete", tree["a"].pk)).status_code
        == 403
    )
    assert (
        staff_client.get(url("members_organizations:move", tree["a"].pk)).status_code
        == 403
    )


def test_adding_a_child_organisation_in_scope(staff_client, tree):
    response = staff_client.get(
        url("members_organizations:add"), {"parent": tree["a"].pk}
    )
    assert response.status_code == 200
    response = staff_client.post(
        url("members_organizations:add"),
        {
            "parent": tree["a"].pk,
            "name": "甲二党小组",
            "kind": "group",
            "code": "T-A-2",
        },
    )
    assert response.status_code == 302
    assert Organization.objects.get(code="T-A-2").get_parent() == tree["a"]
    response = staff_client.post(
        url("members_organizations:add"),
        {
            "parent": tree["b"].pk,
            "name": "乙一党小组",
            "kind": "group",
            "code": "T-B-1",
        },
    )
    assert not Organization.objects.filter(code="T-B-1").exists()


def test_moving_and_deleting_organisations_in_the_admin(client, tree, member_a1):
    client.force_login(make_site_admin())
    response = client.post(
        url("members_organizations:move", tree["a1"].pk), {"parent": tree["b"].pk}
    )
    assert response.status_code == 302
    assert Organization.objects.get(pk=tree["a1"].pk).get_parent() == tree["b"]
    # Not empty: refused with the reason, nothing deleted.
    response = client.get(url("members_organizations:delete", tree["b"].pk))
    assert "还有下级组织" in response.content.decode()
    client.post(url("members_organizations:delete", tree["b"].pk))
    assert Organization.objects.filter(pk=tree["b"].pk).exists()
    # An empty one goes.
    leaf = Organization.objects.get(pk=tree["general"].pk).add_child(
        name="空支部", kind="branch", code="EMPTY"
    )
    response = client.post(url("members_organizations:delete", leaf.pk))
    assert response.status_code == 302
    assert not Organization.objects.filter(code="EMPTY").exists()


def test_site_admin_sees_every_member(client, member_a, member_b):
    client.force_login(make_site_admin())
    html = client.get(url("members_members:index")).content.decode()
    assert member_a.real_name in html and member_b.real_name in html


def test_staff_without_scope_cannot_list_members(client, member_a):
    client.force_login(make_staff_user("审核员"))
    response = client.get(url("members_members:index"))
    assert response.status_code in {302, 403}
    assert member_a.real_name not in response.content.decode()


def test_party_members_never_enter_the_admin(client, member_a):
    user = get_user_model().objects.get(pk=member_a.user_id)
    user.groups.add(Group.objects.get(name="党员"))
    client.force_login(user)
    response = client.get(url("members_members:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_export_audit_does_not_contain_phone_numbers(staff_client, member_a):
    staff_client.get(url("members_members:index"), {"export": "csv"})
    assert SecurityEvent.objects.filter(action="export").exists()
    assert all(member_a.phone not in e.detail for e in SecurityEvent.objects.all())


def test_site_admin_appoints_an_organisation_admin_and_it_is_audited(client, tree):
    staff = make_staff_user("宣传员", username="new_xc")
    client.force_login(make_site_admin(username="boss"))
    response = client.post(
        url("members_admin_scopes:add"),
        {"user": staff.pk, "organization": tree["b"].pk},
    )
    assert response.status_code == 302
    event = SecurityEvent.objects.get(
        action="group_change", detail__contains="组织管理员"
    )
    assert event.username == "boss" and "new_xc" in event.detail
    staff = get_user_model().objects.get(pk=staff.pk)
    assert list(organizations_for(staff)) == [tree["b"]]


def test_organisation_admins_cannot_appoint_others(staff_client, tree):
    response = staff_client.get(url("members_admin_scopes:index"))
    assert response.status_code in {302, 403}
    staff_client.post(
        url("members_admin_scopes:add"),
        {
            "user": get_user_model().objects.get(username="xc_a").pk,
            "organization": tree["committee"].pk,
        },
    )
    assert not AdminScope.objects.filter(organization=tree["committee"]).exists()


def test_oversized_import_upload_is_refused(staff_client, tree, monkeypatch):
    monkeypatch.setattr("members.forms.MAX_IMPORT_BYTES", 10)
    upload = SimpleUploadedFile(
        "名单.csv", csv_bytes([["某人", "Z1", "", "甲党支部", "", ""]])
    )
    response = staff_client.post(url("members_members:import"), {"file": upload})
    assert "请分批导入" in response.content.decode()
    assert not Member.objects.filter(member_no="Z1").exists()


def test_search_by_full_phone_number_finds_the_member(
    staff_client, member_a, member_a1
):
    html = staff_client.get(
        url("members_members:index"), {"q": "138 1111 2222"}
    ).content.decode()
    assert member_a.real_name in html and member_a1.real_name not in html


def test_dashboard_counts_only_the_scope(staff_client, member_a, member_a1, member_b):
    html = staff_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "2 名党员" in html and "2 个党组织" in html
