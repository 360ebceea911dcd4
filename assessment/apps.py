from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = "网上考核"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from members.roles import (
            LEADER,
            PUBLICIST,
            SITE_ADMIN,
            crud,
            declare_role_permissions,
        )

        # Plans issued, reported and scored within the 组织管理员 scope
        # (assessment.permissions): the issuer's staff and the targets' staff.
        plans = crud("assessment", "assessmentplan")
        declare_role_permissions({SITE_ADMIN: plans, PUBLICIST: plans, LEADER: plans})

        from members.personal import register_section
        from notifications import kinds

        from .me import ratings_context

        kinds.register("assessment_issued", "收到考核任务", staff_only=True)
        kinds.register("assessment_returned", "考核任务被退回补充", staff_only=True)
        kinds.register("assessment_overdue", "考核任务逾期未报送", staff_only=True)
        kinds.register("assessment_unscored", "考核报送待评分", staff_only=True)
        register_section(
            "assessment",
            "党员评定",
            template="assessment/me_section.html",
            context=ratings_context,
            order=63,
        )
