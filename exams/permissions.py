"""Who sees and revokes 结业证书 in the admin.

党校管理员 and 站点管理员 hold the model permissions (members/roles.py); they act on the
certificates of members in their part of the tree, the same part the exam statistics
count (school.admin_views.report_organizations). Nobody adds, edits or deletes a
certificate by hand: the school's completions issue them.
"""

from django.db.models import Q
from wagtail.permission_policies.base import ModelPermissionPolicy

from members.audit import register_log_scope
from school.admin_views import report_organizations

from .models import Certificate

REVOKE_PERMISSION = "exams.revoke_certificate"


class CertificatePermissionPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        if not (user.is_authenticated and user.is_active):
            return False
        if action == "revoke":
            return user.has_perm(REVOKE_PERMISSION)
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if user.is_superuser:
            return True
        return report_organizations(user).filter(pk=instance.organization_id).exists()

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return Certificate.objects.none()
        if user.is_superuser:
            return Certificate.objects.all()
        return Certificate.objects.within(report_organizations(user))


certificate_policy = CertificatePermissionPolicy(Certificate)
_VIEW_ACTIONS = ["view", "revoke"]


def certificates_for(user):
    """The certificates this user may see in the admin (none for members)."""
    if not user.is_authenticated:
        return Certificate.objects.none()
    return certificate_policy.instances_user_has_any_permission_for(user, _VIEW_ACTIONS)


def may_see_certificates(user) -> bool:
    return certificate_policy.user_has_any_permission(user, _VIEW_ACTIONS)


def can_revoke(user, certificate) -> bool:
    return certificate_policy.user_has_permission_for_instance(
        user, "revoke", certificate
    )


def register_certificate_log_scope() -> None:
    register_log_scope(
        Certificate, visible_objects=certificates_for, audience=may_see_certificates
    )


# ---- 知识竞赛 in 测验与考试 ------------------------------------------------------------


def contest_in_scope(exam, organizations) -> bool:
    """The contest's 主办党组织 and every 参赛党组织 lie within ``organizations``."""
    ids = set(organizations.values_list("pk", flat=True))
    if exam.organization_id not in ids:
        return False
    return all(pk in ids for pk in exam.audience.values_list("pk", flat=True))


class ExamPermissionPolicy(ModelPermissionPolicy):
    """Quizzes, 结业考试 and 每日答题 belong to the school: every holder of the model
    permissions manages them. A 知识竞赛 belongs to its organisations: a user sees and
    edits it only when its 主办党组织 and 参赛党组织 lie within their part of the tree
    (report_organizations: their 组织管理员 scope, else their own branch)."""

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if user.is_superuser or instance.kind != "contest":
            return True
        return contest_in_scope(instance, report_organizations(user))

    def instances_user_has_any_permission_for(self, user, actions):
        from django.db.models import Exists, OuterRef

        from .models import Exam

        exams = super().instances_user_has_any_permission_for(user, actions)
        if user.is_superuser:
            return exams
        scope = report_organizations(user)
        outside = Exam.audience.through.objects.filter(exam=OuterRef("pk")).exclude(
            organization__in=scope
        )
        return exams.exclude(
            Q(kind="contest") & (~Q(organization__in=scope) | Q(Exists(outside)))
        )


def exam_policy():
    from .models import Exam

    return ExamPermissionPolicy(Exam)
