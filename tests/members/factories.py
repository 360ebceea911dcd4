"""Factories for organisations, users and members; import them from any app's tests.

org = OrganizationFactory()                     # a new root 党委
branch = OrganizationFactory(parent=org, kind="branch")
member = MemberFactory(organization=branch, phone="13800138000")
staff = make_staff_user("宣传员", scope=branch)  # role group + 组织管理员 of branch
tree = make_org_tree("T", group=True)  # 测试党委 > 甲党支部 > 甲一党小组, 乙党支部
"""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from members.models import AdminScope, Member, Organization
from members.roles import SITE_ADMIN

PASSWORD = "Test-pass-2026"


class OrganizationFactory(factory.django.DjangoModelFactory):
    """A tree node: pass parent=... for a child, omit it for a new root (default 党委)."""

    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"第{n}党组织")
    code = factory.Sequence(lambda n: f"ORG{n:04d}")
    parent = None
    kind = factory.LazyAttribute(
        lambda o: (
            Organization.Kind.COMMITTEE
            if o.parent is None
            else Organization.Kind.BRANCH
        )
    )

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None:
            return model_class.add_root(**kwargs)
        return Organization.objects.get(pk=parent.pk).add_child(**kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    """A login account with password PASSWORD."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MemberFactory(factory.django.DjangoModelFactory):
    """A member profile with its own user; the organisation defaults to a new branch."""

    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    real_name = factory.Sequence(lambda n: f"党员{n}")
    member_no = factory.Sequence(lambda n: f"M{n:06d}")
    organization = factory.LazyFunction(
        lambda: OrganizationFactory(parent=OrganizationFactory())
    )
    party_post = "党员"
    phone = factory.Sequence(lambda n: f"139{n:08d}")


def make_org_tree(code: str, *, group: bool = False) -> dict[str, Organization]:
    """测试党委 (code) with two branches, 甲党支部 ("a", code-A) and 乙党支部 ("b",
    code-B); group=True adds 甲一党小组 ("a1", code-A-1) under 甲党支部."""
    committee = OrganizationFactory(name="测试党委", code=code)
    tree = {
        "committee": committee,
        "a": OrganizationFactory(parent=committee, name="甲党支部", code=f"{code}-A"),
        "b": OrganizationFactory(parent=committee, name="乙党支部", code=f"{code}-B"),
    }
    if group:
        tree["a1"] = OrganizationFactory(
            parent=tree["a"], name="甲一党小组", code=f"{code}-A-1", kind="group"
        )
    return tree


def make_staff_user(role: str, *, scope=None, username: str | None = None, **fields):
    """A user in the role group (site admins also get 站点管理员) administering scope.

    scope: an Organization, a list of them, or None for no 组织管理员 scope.
    """
    user = UserFactory(**({"username": username} if username else {}), **fields)
    user.groups.add(Group.objects.get(name=role))
    scopes = scope if isinstance(scope, list | tuple) else [scope] if scope else []
    for organization in scopes:
        AdminScope.objects.create(user=user, organization=organization)
    return user


def make_site_admin(**fields):
    """A non-superuser member of 站点管理员: sees and manages the whole tree."""
    return make_staff_user(SITE_ADMIN, **fields)
