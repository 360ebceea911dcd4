from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "网上调查"

    def ready(self):
        from members.roles import PUBLICIST, SITE_ADMIN, crud, declare_role_permissions

        declare_role_permissions(
            {
                SITE_ADMIN: crud("surveys", "survey"),
                PUBLICIST: crud("surveys", "survey"),
            }
        )

        from .notices import register_kinds

        register_kinds()
