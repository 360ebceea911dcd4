from django.contrib.auth.models import Group
from django.db import connection

from members import roles
from members.fields import lookup_digest
from members.models import Member, Organization
from members.phones import mask_phone, normalise_phone
from members.scopes import (
    can_manage_organization,
    can_restructure_organization,
    members_for,
    organizations_for,
)

from .factories import MemberFactory, UserFactory, make_site_admin

ROLE_NAMES = [
    "站点管理员",
    "宣传员",
    "审核员",
    "党校管理员",
    "信箱办理人",
    "领导",
    "党员",
]


def test_phone_is_encrypted_in_the_database_column(tree):
    member = MemberFactory(organization=tree["a"], phone="13812345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM members_member WHERE id = %s", [member.pk])
        stored = cursor.fetchone()[0]
    assert "13812345678" not in stored
    assert "5678" not in stored
    assert Member.objects.get(pk=member.pk).phone == "13812345678"


def test_phone_digest_finds_the_member_without_decrypting(tree):
    member = MemberFactory(organization=tree["a"], phone="13812345678")
    assert Member.objects.get(phone_digest=lookup_digest("138 1234 5678")) == member


def test_phone_is_masked_for_display(tree):
    member = MemberFactory(organization=tree["a"], phone="13812341234")
    assert member.masked_phone == "138****1234"
    assert mask_phone("") == ""


def test_phone_normalisation_accepts_common_spellings_and_rejects_others():
    assert normalise_phone("+86 138-1234-5678") == "13812345678"
    assert normalise_phone(13812345678.0) == "13812345678"
    for bad in ["12345", "23812345678", "1381234567a"]:
        try:
            normalise_phone(bad)
        except ValueError as exc:
            assert "手机号" in str(exc)
        else:
            raise AssertionError(bad)


def test_organization_kinds_nest_party_style(tree):
    assert tree["committee"].can_contain("general_branch")
    assert tree["general"].can_contain("branch")
    assert not tree["general"].can_contain("committee")
    assert tree["a"].can_contain("group")
    assert not tree["a1"].can_contain("group")


def test_within_returns_the_subtree(tree, member_a, member_a1, member_b):
    assert set(Organization.objects.within(tree["a"])) == {tree["a"], tree["a1"]}
    assert set(Member.objects.within(tree["a"])) == {member_a, member_a1}


def test_role_groups_exist_with_exact_names(db):
    assert set(ROLE_NAMES) <= set(Group.objects.values_list("name", flat=True))


def test_every_role_but_member_may_enter_the_admin(db):
    for name in ROLE_NAMES:
        codenames = set(
            Group.objects.get(name=name).permissions.values_list("codename", flat=True)
        )
        assert ("access_admin" in codenames) == (name != "党员"), name


def test_site_admin_role_manages_users_groups_and_members(db):
    user = make_site_admin()
    for perm in [
        "auth.change_user",
        "auth.add_group",
        "members.change_member",
        "members.delete_organization",
        "members.add_adminscope",
    ]:
        assert user.has_perm(perm), perm
    assert not UserFactory().has_perm("members.view_member")


def test_role_sync_is_idempotent_and_skips_unknown_permissions(db, monkeypatch):
    monkeypatch.setitem(
        roles.ROLE_PERMISSIONS,
        "宣传员",
        ["wagtailadmin.access_admin", "members.view_member", "nosuchapp.do_things"],
    )
    first = roles.sync_role_permissions()
    assert roles.sync_role_permissions() == 0
    assert first == 1
    group = Group.objects.get(name="宣传员")
    assert group.permissions.filter(codename="view_member").exists()


def test_scope_covers_the_administered_branch_and_below(tree, publicist_a):
    assert set(organizations_for(publicist_a)) == {tree["a"], tree["a1"]}
    assert can_manage_organization(publicist_a, tree["a1"])
    assert not can_manage_organization(publicist_a, tree["b"])
    assert not can_manage_organization(publicist_a, tree["general"])


def test_scope_root_can_be_edited_but_not_moved_or_deleted(tree, publicist_a):
    assert not can_restructure_organization(publicist_a, tree["a"])
    assert can_restructure_organization(publicist_a, tree["a1"])


def test_site_admins_see_the_whole_tree(tree, member_a, member_b):
    admin = make_site_admin()
    assert organizations_for(admin).count() == 5
    assert set(members_for(admin)) == {member_a, member_b}
    superuser = UserFactory(is_superuser=True)
    assert organizations_for(superuser).count() == 5


def test_users_without_scope_see_nothing(tree, member_a):
    from django.contrib.auth.models import AnonymousUser

    assert not organizations_for(AnonymousUser()).exists()
    assert not members_for(UserFactory()).exists()
