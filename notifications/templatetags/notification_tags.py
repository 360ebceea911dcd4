"""The unread count in the site header."""

from django import template

from notifications.service import unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(user) -> int:
    """How many of the user's notifications are unread (one indexed count)."""
    return unread_count(user)
