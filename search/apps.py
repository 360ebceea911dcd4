from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "站内搜索"

    def ready(self):
        from members.roles import PUBLICIST, SITE_ADMIN, crud, declare_role_permissions

        declare_role_permissions(
            {
                SITE_ADMIN: [
                    *crud("search", "synonym"),
                    "search.view_querystat",
                    *crud("wagtailsearchpromotions", "searchpromotion"),
                ],
                PUBLICIST: [
                    "search.view_querystat",
                    *crud("wagtailsearchpromotions", "searchpromotion"),
                ],
            }
        )

        from search import checks  # noqa: F401  (registers the system checks)
        from search.signal_handlers import register_signal_handlers

        register_signal_handlers()
