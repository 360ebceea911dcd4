from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = "学习积分"

    def ready(self):
        from members.personal import register_section

        from . import me, signal_handlers

        signal_handlers.connect()
        register_section(
            "points",
            "学习积分",
            template="points/me/section.html",
            context=me.section_context,
            order=29,
        )
