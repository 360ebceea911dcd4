from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    name = "elections"
    verbose_name = "投票计票"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from members.roles import PUBLICIST, SITE_ADMIN, crud, declare_role_permissions

        declare_role_permissions(
            {
                SITE_ADMIN: crud("elections", "election"),
                PUBLICIST: crud("elections", "election"),
            }
        )

        from .notices import register_kinds

        register_kinds()
