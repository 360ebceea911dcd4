"""Installing the school's section: its index page, page permissions and the
网上党校 collection the 党校管理员 works in.
"""

from __future__ import annotations

from ..models import (
    SchoolIndexPage,
)


def _school_index() -> SchoolIndexPage:
    index = SchoolIndexPage.objects.first()
    if index:
        return index
    from wagtail.models import Page

    from home.models import HomePage

    home = HomePage.objects.first() or Page.objects.get(depth=1)
    index = SchoolIndexPage(
        title="网上党校",
        slug="school",
        show_in_menus=True,
        intro="<p>集团党委主办的网上党校。观看课程视频即可累计学时，"
        "系统只计算实际观看的时长。</p>",
    )
    home.add_child(instance=index)
    index.save_revision().publish()
    return index


def _grant_page_permissions(index: SchoolIndexPage) -> None:
    from django.contrib.auth.models import Group

    from home.sections import grant_page_permissions

    group = Group.objects.filter(name="党校管理员").first()
    if group is None:
        return
    grant_page_permissions(
        group, index, ("add_page", "change_page", "publish_page", "delete_page")
    )


COLLECTION_NAME = "网上党校"
# Course covers (images) and lesson courseware (documents): the 党校管理员 uploads,
# edits and chooses them in the 网上党校 collection only.
COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
]


def _school_collection():
    from wagtail.models import Collection

    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=COLLECTION_NAME).first()
    return existing or root.add_child(name=COLLECTION_NAME)


def _grant_collection_permissions() -> None:
    from django.contrib.auth.models import Group

    from home.sections import grant_collection_permissions

    group = Group.objects.filter(name="党校管理员").first()
    if group is None:
        return
    grant_collection_permissions(group, _school_collection(), COLLECTION_PERMISSIONS)


def install_school_section() -> SchoolIndexPage:
    """The 网上党校 page, the 党校管理员's page permissions on it and their image and
    document permissions in the 网上党校 collection (setup_site)."""
    index = _school_index()
    _grant_page_permissions(index)
    _grant_collection_permissions()
    return index
