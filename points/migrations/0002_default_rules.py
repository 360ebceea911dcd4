"""The seven rules with their starting points and daily caps (staff change them)."""

from django.db import migrations

DEFAULTS = [
    ("study_minutes", 1, 6),
    ("lesson_completed", 2, 10),
    ("quiz_passed", 3, 9),
    ("final_passed", 10, 20),
    ("contest_taken", 5, 10),
    ("daily_correct", 1, 5),
    ("required_on_time", 10, 0),
]


def create_rules(apps, schema_editor):
    PointRule = apps.get_model("points", "PointRule")
    for order, (code, points, cap) in enumerate(DEFAULTS):
        PointRule.objects.get_or_create(
            code=code,
            defaults={"points": points, "daily_cap": cap, "sort_order": order},
        )


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]

    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
