"""Take back the document-choosing right Wagtail's own migration hands to every group.

wagtaildocs.0011_add_choose_permissions gives each group that exists when it runs
"choose_document" on the root collection. Once other apps' migrations put the role
groups (0003) before it, every role could browse the whole document library in the
chooser: the 党校管理员, meant to use the 网上党校 collection only, the 信箱办理人,
the 领导 and the 党员 too. The roles that should have it get it from their section
installers (news, library: setup_site), so it is removed here for everyone else.
"""

from django.db import migrations

WITHOUT_ROOT_DOCUMENTS = ["党校管理员", "信箱办理人", "领导", "党员"]


def revoke(apps, schema_editor):
    GroupCollectionPermission = apps.get_model(
        "wagtailcore", "GroupCollectionPermission"
    )
    Collection = apps.get_model("wagtailcore", "Collection")
    root = Collection.objects.filter(depth=1).first()
    if root is None:
        return
    GroupCollectionPermission.objects.filter(
        group__name__in=WITHOUT_ROOT_DOCUMENTS,
        collection=root,
        permission__content_type__app_label="wagtaildocs",
        permission__codename="choose_document",
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0007_security_event_email_change"),
        ("wagtaildocs", "0011_add_choose_permissions"),
    ]

    operations = [migrations.RunPython(revoke, migrations.RunPython.noop)]
