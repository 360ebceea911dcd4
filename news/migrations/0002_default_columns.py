from django.db import migrations

DEFAULT_COLUMNS = [
    ("要闻", "yaowen", "集团党委重要会议、重大活动和重要部署", "list", 7),
    ("基层动态", "jiceng", "各党总支、党支部的工作动态和主题党日活动", "list", 14),
    ("通知公告", "tongzhi", "党委及各部门发布的通知、公示和公告", "notices", 30),
    ("理论学习", "lilun", "理论学习材料、学习体会和辅导解读", "list", 30),
    ("经验交流", "jingyan", "各基层党组织的好经验、好做法", "list", 60),
]


def create_columns(apps, schema_editor):
    """The five columns every portal starts with; editors may rename or add more."""
    NewsColumn = apps.get_model("news", "NewsColumn")
    for order, (name, slug, description, display, days) in enumerate(DEFAULT_COLUMNS):
        NewsColumn.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "home_display": display,
                "freshness_days": days,
                "sort_order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("news", "0001_initial")]

    operations = [migrations.RunPython(create_columns, migrations.RunPython.noop)]
