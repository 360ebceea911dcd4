from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = "文件库"

    def ready(self):
        from members.roles import PUBLICIST, SITE_ADMIN, crud, declare_role_permissions

        declare_role_permissions(
            {
                SITE_ADMIN: [
                    *crud("library", "policycategory"),
                    "library.view_attachmenttext",
                    "library.change_attachmenttext",
                ],
                PUBLICIST: [
                    "library.view_policycategory",
                    "library.view_attachmenttext",
                ],
            }
        )

        from search.registry import register

        from . import home_blocks  # noqa: F401  (registers the home_page_context hook)
        from .search_sources import PolicyDocumentSource
        from .signal_handlers import register_signal_handlers

        register_signal_handlers()
        register(PolicyDocumentSource)
