"""Published letters get a random public id for their address instead of their
tracking number; the search index learns the new addresses through the retry queue
(repair_search_index, every 5 minutes)."""

import uuid

from django.db import migrations, models


def fill_public_ids(apps, schema_editor):
    Letter = apps.get_model("mailbox", "Letter")
    PendingIndexUpdate = apps.get_model("search", "PendingIndexUpdate")
    for letter in Letter.objects.only("pk", "is_published").iterator():
        Letter.objects.filter(pk=letter.pk).update(public_id=uuid.uuid4())
        if letter.is_published:
            PendingIndexUpdate.objects.update_or_create(
                key=f"letter:{letter.pk}",
                defaults={
                    "model_label": "mailbox.letter",
                    "object_pk": str(letter.pk),
                    "last_error": "公开地址改为公开编号，待重新索引",
                },
            )


class Migration(migrations.Migration):
    dependencies = [
        ("mailbox", "0002_calendar_and_categories"),
        ("search", "0003_pending_index_update"),
    ]

    operations = [
        migrations.AddField(
            model_name="letter",
            name="public_id",
            field=models.UUIDField(null=True, editable=False, verbose_name="公开编号"),
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="letter",
            name="public_id",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="公开编号"
            ),
        ),
    ]
