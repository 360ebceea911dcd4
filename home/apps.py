from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "首页"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
        from .signal_handlers import register_signal_handlers

        register_signal_handlers()

        from .review_notices import register

        register()
