"""The same as 0008 for images: wagtailimages.0023_add_choose_permissions gives each
group that exists when it runs "choose_image" on the root collection, which, once the
role groups come first, let every role browse all images. The 党校管理员 chooses
images in 网上党校 only (school.services); the others get nothing here."""

from django.db import migrations

WITHOUT_ROOT_IMAGES = ["党校管理员", "信箱办理人", "领导", "党员"]


def revoke(apps, schema_editor):
    GroupCollectionPermission = apps.get_model(
        "wagtailcore", "GroupCollectionPermission"
    )
    Collection = apps.get_model("wagtailcore", "Collection")
    root = Collection.objects.filter(depth=1).first()
    if root is None:
        return
    GroupCollectionPermission.objects.filter(
        group__name__in=WITHOUT_ROOT_IMAGES,
        collection=root,
        permission__content_type__app_label="wagtailimages",
        permission__codename="choose_image",
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0008_role_groups_without_wagtails_choose_grant"),
        ("wagtailimages", "0023_add_choose_permissions"),
    ]

    operations = [migrations.RunPython(revoke, migrations.RunPython.noop)]
