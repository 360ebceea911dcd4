from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = "考试测评"

    def ready(self):
        from members.roles import (
            LEADER,
            SCHOOL_ADMIN,
            SITE_ADMIN,
            crud,
            declare_role_permissions,
        )

        # Question bank, exams, reports and certificates: the school's admins and the
        # site admins; leaders read the report.
        staff = [
            *crud("exams", "question"),
            *crud("exams", "questioncategory"),
            *crud("exams", "exam"),
            "exams.view_exam_report",
            "exams.view_certificate",
            "exams.revoke_certificate",
        ]
        declare_role_permissions(
            {
                SITE_ADMIN: staff,
                SCHOOL_ADMIN: staff,
                LEADER: ["exams.view_exam_report"],
            }
        )

        from django.db.models.signals import post_save

        from members.personal import register_section
        from school.models import CourseCompletion

        from . import me

        post_save.connect(
            _issue_on_completion,
            sender=CourseCompletion,
            dispatch_uid="exams.issue_certificate",
        )
        register_section(
            "certificates",
            "我的结业证书",
            template="exams/me/certificates.html",
            context=me.certificates_context,
            order=35,
        )
        register_section(
            "daily",
            "每日答题",
            template="exams/me/daily.html",
            context=me.daily_context,
            order=31,
        )
        register_section(
            "contests",
            "知识竞赛",
            template="exams/me/contests.html",
            context=me.contests_context,
            order=32,
        )


def _issue_on_completion(sender, instance, created, raw=False, **kwargs):
    """A completed course earns its certificate at once (loaddata excepted)."""
    if created and not raw:
        from .certificates import issue_certificate

        issue_certificate(instance)
