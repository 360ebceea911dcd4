"""Published letters live at a random public id, never at their tracking number.

The number, with the query code, opens the writer's own view of the letter; shown in
a public address it let anyone use up the number's tracking attempts.
"""

from importlib import import_module

from django.apps import apps
from django.contrib.auth.models import Permission

from mailbox import services
from mailbox.models import Letter
from search.models import PendingIndexUpdate

migration = import_module("mailbox.migrations.0003_letter_public_id")


def _published(submit, handler, leader):
    handler.user_permissions.add(Permission.objects.get(codename="publish_letters"))
    handler = type(handler).objects.get(pk=handler.pk)
    letter, _ = submit()
    services.accept_letter(letter, by=handler)
    services.sign_off_reply(
        services.draft_reply(letter, by=handler, body="已办"), by=leader
    )
    services.publish_letter(letter, by=handler, subject="公开标题", content="公开内容")
    return Letter.objects.get(pk=letter.pk)


def test_the_list_links_to_the_public_id_only(client, submit, handler, leader):
    letter = _published(submit, handler, leader)
    html = client.get("/mailbox/letters/").content.decode()
    assert f"/mailbox/letters/{letter.public_id}/" in html
    assert letter.tracking_number not in html


def test_the_migration_gives_each_letter_its_own_id_and_queues_the_published(
    submit, handler, leader
):
    published = _published(submit, handler, leader)
    private, _ = submit(subject="未公开的来信")
    before = dict(Letter.objects.values_list("pk", "public_id"))
    migration.fill_public_ids(apps, None)
    after = dict(Letter.objects.values_list("pk", "public_id"))
    assert len(set(after.values())) == 2
    assert all(after[pk] != before[pk] for pk in after)
    queued = PendingIndexUpdate.objects.get()
    assert (queued.key, queued.model_label, queued.object_pk) == (
        f"letter:{published.pk}",
        "mailbox.letter",
        str(published.pk),
    )
    assert not PendingIndexUpdate.objects.filter(key=f"letter:{private.pk}").exists()
