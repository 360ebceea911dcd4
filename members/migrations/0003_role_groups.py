"""Create the seven role groups; every role but 党员 may enter the Wagtail admin."""

from django.db import migrations

ROLE_NAMES = [
    "站点管理员",
    "宣传员",
    "审核员",
    "党校管理员",
    "信箱办理人",
    "领导",
    "党员",
]
NO_ADMIN_ACCESS = {"党员"}


def create_role_groups(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    Group = apps.get_model("auth.Group")
    content_type, _ = ContentType.objects.get_or_create(
        app_label="wagtailadmin", model="admin"
    )
    access_admin, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="access_admin",
        defaults={"name": "Can access Wagtail admin"},
    )
    for name in ROLE_NAMES:
        group, _ = Group.objects.get_or_create(name=name)
        if name not in NO_ADMIN_ACCESS:
            group.permissions.add(access_admin)


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth.Group").objects.filter(name__in=ROLE_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_admin_scope"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
