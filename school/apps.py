from django.apps import AppConfig


class SchoolConfig(AppConfig):
    name = "school"
    verbose_name = "网上党校"

    def ready(self):
        from members.roles import LEADER, SCHOOL_ADMIN, crud, declare_role_permissions

        declare_role_permissions(
            {
                SCHOOL_ADMIN: [
                    *crud("school", "video"),
                    *crud("school", "coursecategory"),
                    *crud("school", "courseassignment"),
                    "school.view_study_report",
                    "school.change_schoolsettings",
                ],
                LEADER: ["school.view_study_report"],
            }
        )

        from . import home_blocks  # noqa: F401  (registers the home_page_context hook)
        from .signal_handlers import register_signal_handlers

        register_signal_handlers()

        from .notices import register_kinds

        register_kinds()

        from members.personal import register_section

        from .views import me_section_context

        register_section(
            "study",
            "我的学习",
            template="school/me_section.html",
            context=me_section_context,
            order=30,
        )
        from search import registry

        from .search_sources import register_sources

        register_sources(registry)
