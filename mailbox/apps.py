from django.apps import AppConfig


class MailboxConfig(AppConfig):
    name = "mailbox"
    verbose_name = "领导信箱与留言板"

    def ready(self):
        from members.roles import (
            LEADER,
            MAILBOX_HANDLER,
            REVIEWER,
            SITE_ADMIN,
            crud,
            declare_role_permissions,
        )

        declare_role_permissions(
            {
                SITE_ADMIN: [
                    *crud("mailbox", "mailbox"),
                    *crud("mailbox", "calendarday"),
                    *crud("mailbox", "boardcategory"),
                    *crud("mailbox", "sensitiveword"),
                    "mailbox.publish_letters",
                    "mailbox.view_letter_statistics",
                ],
                REVIEWER: [
                    "mailbox.moderate_boardmessage",
                    *crud("mailbox", "sensitiveword"),
                ],
                MAILBOX_HANDLER: ["mailbox.publish_letters"],
                LEADER: ["mailbox.view_letter_statistics"],
            }
        )

        from .signal_handlers import register_signal_handlers

        register_signal_handlers()

        from .permissions import register_log_scopes

        register_log_scopes()

        from .notices import register_kinds

        register_kinds()

        from .me import register_sections

        register_sections()
        from search import registry

        from .search import BoardMessageSource, PublishedLetterSource

        registry.register(BoardMessageSource)
        registry.register(PublishedLetterSource)
