from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "组织与党员"

    def ready(self):
        from . import security_admin  # noqa: F401  (registers its admin hook)
        from .signal_handlers import register_signal_handlers

        register_signal_handlers()

        from .roles import connect_role_sync

        connect_role_sync()

        from .permissions import register_log_scopes

        register_log_scopes()

        from .accounts.notices import register_kinds

        register_kinds()

        from .me_views import register_sections

        register_sections()
