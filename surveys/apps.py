from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "网上调查"

    def ready(self):
        from notifications import kinds

        kinds.register("survey_closing", "调查即将截止", email_default=False)
