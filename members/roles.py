"""Model permissions of each role group, granted after every migrate.

members grants its own (ROLE_PERMISSIONS); every other app declares the permissions of
its own models for each role with declare_role_permissions() in its AppConfig.ready()
("app_label.codename"). Permissions that do not exist yet (an app not migrated) are
skipped; granting is idempotent and never removes a permission someone added by hand. Wagtail *page* permissions and
workflows are set up by each app itself (migration or demo.py), not here.

Members and organisations are special: their model permissions count for site admins
only; everyone else manages them through a 组织管理员 scope (see members.scopes).
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

SITE_ADMIN = "站点管理员"
PUBLICIST = "宣传员"
REVIEWER = "审核员"
SCHOOL_ADMIN = "党校管理员"
MAILBOX_HANDLER = "信箱办理人"
LEADER = "领导"
MEMBER = "党员"

ROLE_NAMES = [
    SITE_ADMIN,
    PUBLICIST,
    REVIEWER,
    SCHOOL_ADMIN,
    MAILBOX_HANDLER,
    LEADER,
    MEMBER,
]

_ADMIN_ACCESS = ["wagtailadmin.access_admin"]


def crud(app_label: str, model: str) -> list[str]:
    """The four model permissions (add, change, delete, view) of one model."""
    return [
        f"{app_label}.{action}_{model}"
        for action in ("add", "change", "delete", "view")
    ]


# What members itself grants: admin access for every staff role, and the site admins'
# users, groups, organisations, members, scopes and security log.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    SITE_ADMIN: [
        *_ADMIN_ACCESS,
        *crud("auth", "user"),
        *crud("auth", "group"),
        *crud("members", "organization"),
        *crud("members", "member"),
        *crud("members", "adminscope"),
        "members.view_securityevent",
    ],
    PUBLICIST: [*_ADMIN_ACCESS],
    REVIEWER: [*_ADMIN_ACCESS],
    SCHOOL_ADMIN: [*_ADMIN_ACCESS],
    MAILBOX_HANDLER: [*_ADMIN_ACCESS],
    LEADER: [*_ADMIN_ACCESS],
    MEMBER: [],
}

# What the other apps declare for each role (declare_role_permissions, from their
# AppConfig.ready), so this module names no content app's permissions.
_declared: dict[str, dict[str, None]] = {name: {} for name in ROLE_NAMES}


def declare_role_permissions(permissions: dict[str, list[str]]) -> None:
    """Grant these model permissions ("app_label.codename") to these roles; an app calls
    it from its AppConfig.ready() for its own models (and the Wagtail models it runs)."""
    for role, perms in permissions.items():
        if role not in _declared:
            raise ValueError(f"Unknown role {role!r}: one of {ROLE_NAMES}")
        _declared[role].update(dict.fromkeys(perms))


def role_permissions() -> dict[str, list[str]]:
    """Every role's permissions: members' own and what the apps declared."""
    return {
        name: list(dict.fromkeys([*ROLE_PERMISSIONS.get(name, []), *_declared[name]]))
        for name in ROLE_NAMES
    }


def sync_role_permissions(**kwargs) -> int:
    """Create the role groups if missing and grant role_permissions(); returns grants added."""
    table = role_permissions()
    wanted = {p for perms in table.values() for p in perms}
    query = Q(pk__in=[])
    for dotted in wanted:
        app_label, codename = dotted.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    existing = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.filter(query).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    added = 0
    for name, perms in table.items():
        group, _ = Group.objects.get_or_create(name=name)
        have = set(group.permissions.values_list("pk", flat=True))
        missing = {existing[p] for p in perms if p in existing} - have
        if missing:
            group.permissions.add(*missing)
            added += len(missing)
    return added


def connect_role_sync() -> None:
    """Run sync_role_permissions after each migrate (called from MembersConfig.ready)."""
    from django.db.models.signals import post_migrate

    post_migrate.connect(
        _after_migrate, dispatch_uid="members.roles.sync_role_permissions"
    )


def _after_migrate(sender, **kwargs):
    # post_migrate fires once per app, after that app's permissions are created;
    # each run grants what exists so far, the last one sees everything.
    sync_role_permissions()
