from importlib.util import find_spec

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

        from library.signal_handlers import register_signal_handlers

        register_signal_handlers()
        if find_spec("search.registry") is not None:
            from library.search_sources import PolicyDocumentSource
            from search.registry import register

            register(PolicyDocumentSource)
