"""Role groups: what each role may reach outside its sections."""

import pytest


@pytest.mark.django_db
def test_roles_without_library_rights_choose_no_documents_or_images_at_the_root():
    """Wagtail's own migrations give every group that exists when they run the right
    to choose any document and image; members 0008/0009 take it back, whatever order
    the apps' migrations run in."""
    from wagtail.models import Collection, GroupCollectionPermission

    root = Collection.get_first_root_node()
    assert not GroupCollectionPermission.objects.filter(
        collection=root, group__name__in=["党校管理员", "信箱办理人", "领导", "党员"]
    ).exists()


@pytest.mark.django_db
def test_each_role_group_holds_what_the_apps_declared_and_every_declaration_exists():
    """The test database was migrated from scratch: each role group holds exactly the
    model permissions members and the apps declare (declare_role_permissions in their
    AppConfig.ready), and no declaration names a permission that does not exist."""
    from django.contrib.auth.models import Group, Permission

    from members.roles import role_permissions

    table = role_permissions()
    existing = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.values_list(
            "content_type__app_label", "codename"
        )
    }
    for role, declared in table.items():
        assert set(declared) <= existing, (role, set(declared) - existing)
        group = Group.objects.get(name=role)
        held = {
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert set(declared) <= held, (role, set(declared) - held)
    assert table["领导"] and table["党员"] == []


def test_members_names_only_its_own_and_djangos_permissions():
    """Content apps declare their roles' permissions themselves; members.roles' own
    table names only auth, members and Wagtail admin access."""
    from members.roles import ROLE_PERMISSIONS

    labels = {
        perm.split(".")[0] for perms in ROLE_PERMISSIONS.values() for perm in perms
    }
    assert labels == {"auth", "members", "wagtailadmin"}
