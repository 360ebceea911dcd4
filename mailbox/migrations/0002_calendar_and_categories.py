"""Ship the official holiday calendars and the board's default topics."""

from django.db import migrations

CATEGORIES = ["党建工作", "学习教育", "意见建议", "服务保障", "其他"]


def load(apps, schema_editor):
    from mailbox.calendar_data import calendar_rows

    CalendarDay = apps.get_model("mailbox", "CalendarDay")
    for day, is_working_day, name, provisional in calendar_rows():
        CalendarDay.objects.get_or_create(
            date=day,
            defaults={
                "is_working_day": is_working_day,
                "name": name,
                "provisional": provisional,
            },
        )
    BoardCategory = apps.get_model("mailbox", "BoardCategory")
    for order, name in enumerate(CATEGORIES):
        BoardCategory.objects.get_or_create(name=name, defaults={"sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("mailbox", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
