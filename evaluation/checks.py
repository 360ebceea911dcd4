"""System check: PORTAL_EVALUATION_RATERS_LEVEL names an organisation kind."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def check_raters_level(app_configs, **kwargs):
    from .permissions import LEVELS

    level = getattr(settings, "PORTAL_EVALUATION_RATERS_LEVEL", None)
    if level in LEVELS:
        return []
    return [
        checks.Error(
            f"PORTAL_EVALUATION_RATERS_LEVEL = {level!r} is not an organisation kind.",
            hint=f"Use one of: {', '.join(LEVELS)}.",
            id="evaluation.E001",
        )
    ]
