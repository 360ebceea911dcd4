from django.apps import AppConfig


class NoticesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notices"
    verbose_name = "网上公示"

    def ready(self):
        from notifications import kinds

        from . import search
        from .me import register_sections

        search.register_sources()
        register_sections()
        kinds.register("notice_feedback", "公示意见反馈", staff_only=True)
        kinds.register("notice_feedback_replied", "公示反馈已答复")
