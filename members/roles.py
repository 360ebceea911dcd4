"""Model permissions of each role group, granted after every migrate.

Each app adds its own entries to ROLE_PERMISSIONS ("app_label.codename"). Permissions
that do not exist yet (an app not migrated) are skipped; granting is idempotent and
never removes a permission someone added by hand. Wagtail *page* permissions and
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


def _crud(app_label: str, model: str) -> list[str]:
    return [
        f"{app_label}.{action}_{model}"
        for action in ("add", "change", "delete", "view")
    ]


# Surveys: managed within the 组织管理员 scope (surveys.permissions).
_SURVEYS = _crud("surveys", "survey")
# Votes (投票计票): run within the 组织管理员 scope (elections.permissions).
_ELECTIONS = _crud("elections", "election")
# 网上考核: plans issued, reported and scored within the 组织管理员 scope
# (assessment.permissions): the issuing organisation's staff and the targets' staff.
_ASSESSMENT = _crud("assessment", "assessmentplan")
# 民主评议党员: run within the 组织管理员 scope (evaluation.permissions).
_EVALUATION = _crud("evaluation", "round")

# Feedback on notices: seen and answered within the 组织管理员 scope (notices.permissions).
_NOTICE_FEEDBACK = [
    "notices.view_noticefeedback",
    "notices.change_noticefeedback",
    "notices.reply_noticefeedback",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SITE_ADMIN: [
        *_ADMIN_ACCESS,
        *_crud("auth", "user"),
        *_crud("auth", "group"),
        *_crud("members", "organization"),
        *_crud("members", "member"),
        *_crud("members", "adminscope"),
        "members.view_securityevent",
        # mailbox
        *_crud("mailbox", "mailbox"),
        *_crud("mailbox", "calendarday"),
        *_crud("mailbox", "boardcategory"),
        *_crud("mailbox", "sensitiveword"),
        "mailbox.publish_letters",
        "mailbox.view_letter_statistics",
        # news
        *_crud("news", "newscolumn"),
        *_crud("news", "newstag"),
        "news.view_publishing_stats",
        # library
        *_crud("library", "policycategory"),
        "library.view_attachmenttext",
        "library.change_attachmenttext",
        # search
        *_crud("search", "synonym"),
        "search.view_querystat",
        *_crud("wagtailsearchpromotions", "searchpromotion"),
        # exams
        *_crud("exams", "question"),
        *_crud("exams", "questioncategory"),
        *_crud("exams", "exam"),
        "exams.view_exam_report",
        "exams.view_certificate",
        "exams.revoke_certificate",
        # points
        "points.view_pointrule",
        "points.change_pointrule",
        "points.view_points_report",
        # notices
        *_NOTICE_FEEDBACK,
        # surveys
        *_SURVEYS,
        # elections
        *_ELECTIONS,
        # assessment
        *_ASSESSMENT,
        # evaluation
        *_EVALUATION,
    ],
    PUBLICIST: [
        *_ADMIN_ACCESS,
        "news.view_publishing_stats",
        "library.view_policycategory",
        "library.view_attachmenttext",
        "search.view_querystat",
        *_crud("wagtailsearchpromotions", "searchpromotion"),
        *_NOTICE_FEEDBACK,
        *_SURVEYS,
        *_ELECTIONS,
        *_ASSESSMENT,
        *_EVALUATION,
    ],
    REVIEWER: [
        *_ADMIN_ACCESS,
        "news.view_publishing_stats",
        "news.view_newscolumn",
        "mailbox.moderate_boardmessage",
        *_crud("mailbox", "sensitiveword"),
        *_NOTICE_FEEDBACK,
    ],
    SCHOOL_ADMIN: [
        *_ADMIN_ACCESS,
        *_crud("school", "video"),
        *_crud("school", "coursecategory"),
        *_crud("school", "courseassignment"),
        "school.view_study_report",
        "school.change_schoolsettings",
        *_crud("exams", "question"),
        *_crud("exams", "questioncategory"),
        *_crud("exams", "exam"),
        "exams.view_exam_report",
        "exams.view_certificate",
        "exams.revoke_certificate",
        "points.view_pointrule",
        "points.change_pointrule",
        "points.view_points_report",
    ],
    MAILBOX_HANDLER: [*_ADMIN_ACCESS, "mailbox.publish_letters"],
    LEADER: [
        *_ADMIN_ACCESS,
        "mailbox.view_letter_statistics",
        "school.view_study_report",
        "exams.view_exam_report",
        "points.view_points_report",
        *_ASSESSMENT,
    ],
    MEMBER: [],
}


def sync_role_permissions(**kwargs) -> int:
    """Create the role groups if missing and grant ROLE_PERMISSIONS; returns grants added."""
    wanted = {p for perms in ROLE_PERMISSIONS.values() for p in perms}
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
    for name, perms in ROLE_PERMISSIONS.items():
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
