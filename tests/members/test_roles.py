"""Role groups: what each role may reach outside its sections."""

import pytest


@pytest.mark.django_db
def test_roles_without_library_rights_choose_no_documents_or_images_at_the_root():
    """Wagtail's own migrations give every group that exists when they run the right
    to choose any document and image; members 0008/0009 take it back, whatever order
    the apps' migrations run in."""
    from wagtail.models import Collection, GroupCollectionPermission

    root = Collection.get_first_root_node()
    assert not GroupCollectionPermission.objects.filter(
        collection=root, group__name__in=["党校管理员", "信箱办理人", "领导", "党员"]
    ).exists()
