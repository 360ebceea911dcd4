"""Factories for the mailbox: mailboxes, letter rows, board topics and messages.

box = MailboxFactory(handlers=[handler], leaders=[leader])
letter = LetterFactory(mailbox=box)             # a row as submitted, no files, no code
LetterFactory.create_batch(20, mailbox=box)     # filler for lists and query counts
message = BoardMessageFactory(author=user)      # an approved board message

A letter whose tracking code, attachments or mail matter is submitted through
mailbox.services.submit_letter (the submit fixture in tests/mailbox/conftest.py).
"""

import datetime

import factory
from django.utils import timezone

from mailbox.models import BoardCategory, BoardMessage, Letter, Mailbox
from tests.members.factories import UserFactory


class MailboxFactory(factory.django.DjangoModelFactory):
    """A mailbox receiving letters; handlers= and leaders= take users."""

    class Meta:
        model = Mailbox
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"第{n}信箱")

    @factory.post_generation
    def handlers(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.handlers.add(*extracted)

    @factory.post_generation
    def leaders(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.leaders.add(*extracted)


class LetterFactory(factory.django.DjangoModelFactory):
    """A pending consultation with the writer's consent, due in five days."""

    class Meta:
        model = Letter

    mailbox = factory.SubFactory(MailboxFactory)
    tracking_number = factory.Sequence(lambda n: f"T{n:010d}")
    query_code_hash = "x"
    letter_type = "consult"
    subject = factory.Sequence(lambda n: f"来信{n:02d}")
    content = "内容"
    real_name = "赵六"
    privacy_accepted_at = factory.LazyFunction(timezone.now)
    due_date = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=5)
    )


class BoardCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardCategory
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"话题{n}")


class BoardMessageFactory(factory.django.DjangoModelFactory):
    """An approved (published) board message; pass status= for another state."""

    class Meta:
        model = BoardMessage

    author = factory.SubFactory(UserFactory)
    author_real_name = factory.Sequence(lambda n: f"留言人{n}")
    category = factory.SubFactory(BoardCategoryFactory)
    title = factory.Sequence(lambda n: f"公开留言{n}")
    body = "内容"
    status = BoardMessage.Status.APPROVED
