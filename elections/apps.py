from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    name = "elections"
    verbose_name = "投票计票"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .notices import register_kinds

        register_kinds()
