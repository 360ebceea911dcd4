"""The registry of notification kinds: what each is called and who may receive it.

Apps register their kinds from their AppConfig.ready(); notify() refuses a kind
nobody registered. A kind's e-mail default is what a user gets until they change it
on /me/; staff-only kinds are offered on the preferences form only to staff.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One kind of notification."""

    key: str
    label: str
    email_default: bool = True
    staff_only: bool = False


_kinds: dict[str, Kind] = {}


def register(
    key: str, label: str, *, email_default: bool = True, staff_only: bool = False
) -> Kind:
    """Declare a kind (idempotent for the same values; a conflicting redeclaration
    is a programming error)."""
    kind = Kind(key, label, email_default, staff_only)
    existing = _kinds.get(key)
    if existing is not None and existing != kind:
        raise ValueError(f"notification kind {key!r} registered twice differently")
    _kinds[key] = kind
    return kind


def get(key: str) -> Kind:
    """The registered kind; KeyError for an unknown one."""
    return _kinds[key]


def all_kinds() -> list[Kind]:
    return list(_kinds.values())


def label(key: str) -> str:
    kind = _kinds.get(key)
    return kind.label if kind else "通知"
