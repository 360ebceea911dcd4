"""What installing a section of the site (news, 文件库, 网上党校, 网上公示) does: its
index page, published under the home page, and for its editors a role group's Wagtail
page permissions on that page (and so below it) and its image and document permissions
in a collection. The grants are safe to run again (setup_site runs every section's
install)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
)


def publish_under_home(page: Page, *, no_home: str) -> Page:
    """Add the section's new index page under the site's HomePage and publish it;
    LookupError(``no_home``) when the site has no home page yet."""
    from home.models import HomePage

    home = HomePage.objects.first()
    if home is None:
        raise LookupError(no_home)
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def grant_page_permissions(group: Group, page: Page, codenames: Iterable[str]) -> None:
    """The group's page permissions (``add_page``, ``publish_page`` …) on the page."""
    for codename in codenames:
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=page,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )


def grant_collection_permissions(
    group: Group, collection: Collection, permissions: Iterable[tuple[str, str]]
) -> None:
    """The group's (app label, codename) permissions (``("wagtaildocs",
    "add_document")`` …) in the collection."""
    for app_label, codename in permissions:
        GroupCollectionPermission.objects.get_or_create(
            group=group,
            collection=collection,
            permission=Permission.objects.get(
                content_type__app_label=app_label, codename=codename
            ),
        )
