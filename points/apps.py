from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = "学习积分"

    def ready(self):
        from members.roles import (
            LEADER,
            SCHOOL_ADMIN,
            SITE_ADMIN,
            declare_role_permissions,
        )

        staff = [
            "points.view_pointrule",
            "points.change_pointrule",
            "points.view_points_report",
        ]
        declare_role_permissions(
            {
                SITE_ADMIN: staff,
                SCHOOL_ADMIN: staff,
                LEADER: ["points.view_points_report"],
            }
        )

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
