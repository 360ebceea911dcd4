"""Who may do what with a letter or a board message."""

from wagtail.permission_policies.base import ModelPermissionPolicy

from .models import Letter


def can_manage_all(user) -> bool:
    return user.is_active and user.has_perm("mailbox.manage_all_letters")


def can_view_letter(user, letter) -> bool:
    """Handlers and leaders of the letter's mailbox, and mailbox administrators."""
    if not user.is_authenticated or not user.is_active:
        return False
    if can_manage_all(user):
        return True
    mailbox = letter.mailbox
    return (
        mailbox.handlers.filter(pk=user.pk).exists()
        or mailbox.leaders.filter(pk=user.pk).exists()
    )


def can_handle_letter(user, letter) -> bool:
    """Handlers of the letter's mailbox and mailbox administrators."""
    if not user.is_authenticated or not user.is_active:
        return False
    return can_manage_all(user) or letter.mailbox.handlers.filter(pk=user.pk).exists()


def can_sign_off(user, letter) -> bool:
    """Only a leader of the letter's mailbox signs off its replies."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or letter.mailbox.leaders.filter(pk=user.pk).exists()


def can_use_mailbox_admin(user) -> bool:
    """Anyone who handles or leads a mailbox, or administers them all."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        can_manage_all(user)
        or user.handled_mailboxes.exists()
        or user.led_mailboxes.exists()
    )


def can_view_statistics(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        user.has_perm("mailbox.view_letter_statistics")
        or user.led_mailboxes.exists()
        or can_manage_all(user)
    )


def can_publish_letters(user) -> bool:
    return user.is_active and user.has_perm("mailbox.publish_letters")


def can_moderate_board(user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.has_perm("mailbox.moderate_boardmessage")
    )


class LetterPermissionPolicy(ModelPermissionPolicy):
    """The letters admin (wagtail_hooks.LetterViewSet) by mailbox, not by model
    permission: "view" for handlers and leaders of a mailbox (its letters only) and
    mailbox administrators; "change" (handling) for handlers and administrators.
    Letters come from writers: nobody adds or deletes them in the admin."""

    def user_has_permission(self, user, action):
        # Asked once per listed letter by Wagtail's index: answered once per request.
        known = user.__dict__.setdefault("_letter_permissions", {})
        if action not in known:
            known[action] = action in {"view", "change"} and (
                can_use_mailbox_admin(user)
                if action == "view"
                else can_manage_all(user) or user.handled_mailboxes.exists()
            )
        return known[action]

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "view":
            return can_view_letter(user, instance)
        if action == "change":
            return can_handle_letter(user, instance)
        return False

    def instances_user_has_any_permission_for(self, user, actions):
        if not ({"view", "change"} & set(actions)):
            return Letter.objects.none()
        letters = Letter.objects.visible_to(user)
        if "view" not in actions and not can_manage_all(user):
            letters = letters.filter(mailbox__handlers=user)
        return letters


letter_policy = LetterPermissionPolicy(Letter)


def register_log_scopes() -> None:
    """Audit entries of a letter only for those who may see it; board messages only
    for moderators (members.audit)."""
    from members.audit import register_log_scope

    from .models import BoardMessage

    register_log_scope(
        Letter,
        visible_objects=lambda user: Letter.objects.visible_to(user),
        audience=can_use_mailbox_admin,
    )
    register_log_scope(
        BoardMessage,
        visible_objects=lambda user: (
            BoardMessage.objects.all()
            if can_moderate_board(user)
            else BoardMessage.objects.none()
        ),
        audience=can_moderate_board,
    )
