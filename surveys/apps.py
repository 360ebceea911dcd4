from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "网上调查"

    def ready(self):
        from .notices import register_kinds

        register_kinds()
