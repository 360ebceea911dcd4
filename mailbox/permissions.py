"""Who may do what with a letter or a board message."""


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


def register_log_scopes() -> None:
    """Audit entries of a letter only for those who may see it; board messages only
    for moderators (members.audit)."""
    from members.audit import register_log_scope

    from .models import BoardMessage, Letter

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
