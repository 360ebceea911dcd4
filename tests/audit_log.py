"""What Wagtail's audit log holds for an object, for tests of use cases that log."""

from wagtail.models import ModelLogEntry


def logged_actions(instance) -> list[str]:
    """The actions logged against instance (by its pk), oldest first."""
    return list(
        ModelLogEntry.objects.filter(object_id=str(instance.pk))
        .order_by("timestamp", "pk")
        .values_list("action", flat=True)
    )
