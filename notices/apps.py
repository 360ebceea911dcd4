from django.apps import AppConfig


class NoticesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notices"
    verbose_name = "网上公示"

    def ready(self):
        from members.roles import (
            PUBLICIST,
            REVIEWER,
            SITE_ADMIN,
            declare_role_permissions,
        )

        # Feedback on notices: seen and answered within the 组织管理员 scope
        # (notices.permissions).
        feedback = [
            "notices.view_noticefeedback",
            "notices.change_noticefeedback",
            "notices.reply_noticefeedback",
        ]
        declare_role_permissions(
            {SITE_ADMIN: feedback, PUBLICIST: feedback, REVIEWER: feedback}
        )

        from notifications import kinds

        from . import search
        from .me import register_sections

        search.register_sources()
        register_sections()
        kinds.register("notice_feedback", "公示意见反馈", staff_only=True)
        kinds.register("notice_feedback_replied", "公示反馈已答复")
