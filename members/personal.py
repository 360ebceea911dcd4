"""The personal centre /me/: sections that apps contribute, shown in order.

members knows no content app: school, mailbox and the others register a section
(a template and a function that builds its context from the request) from their
AppConfig.ready(). A section whose context function returns None is left out for
that request (say, 我的学习 for an account without a member profile).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """One block of /me/."""

    key: str
    title: str
    template: str
    context: Callable[[object], dict | None]
    order: int = 100


_sections: dict[str, Section] = {}


def register_section(
    key: str,
    title: str,
    *,
    template: str,
    context: Callable[[object], dict | None],
    order: int = 100,
) -> None:
    """Add (or replace) a section of /me/; lower order comes first."""
    _sections[key] = Section(key, title, template, context, order)


def sections_for(request) -> list[tuple[Section, dict]]:
    """The sections this request's user sees, each with its context."""
    shown = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.key)):
        context = section.context(request)
        if context is not None:
            shown.append((section, context))
    return shown
