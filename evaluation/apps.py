from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = "民主评议党员"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from members.roles import PUBLICIST, SITE_ADMIN, crud, declare_role_permissions

        declare_role_permissions(
            {
                SITE_ADMIN: crud("evaluation", "round"),
                PUBLICIST: crud("evaluation", "round"),
            }
        )

        from members.personal import register_section
        from notifications import kinds

        from . import checks  # noqa: F401 - registers the system check

        kinds.register("evaluation_open", "民主评议开始", email_default=False)
        kinds.register("evaluation_closed", "民主评议结果", email_default=False)

        from .me import rounds_context

        register_section(
            "evaluation",
            "民主评议",
            template="evaluation/me_section.html",
            context=rounds_context,
            order=62,
        )
