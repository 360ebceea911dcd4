"""How public board messages and published letters appear in the site search."""

from django.urls import reverse
from django.utils import timezone

from search.documents import SearchDocument
from search.registry import SearchSource

from .models import BoardMessage, Letter


class BoardMessageSource(SearchSource):
    """Approved, public board messages with their staff reply."""

    type = "board"
    label = "留言板"
    model = BoardMessage
    facet_labels = {"category": "分类", "year": "年份"}

    def indexable(self):
        return BoardMessage.objects.public().with_related()

    def is_indexable(self, obj) -> bool:
        return self.indexable().filter(pk=obj.pk).exists()

    def to_document(self, obj):
        date = timezone.localdate(obj.created_at)
        return SearchDocument(
            key=self.key_for(obj.pk),
            type=self.type,
            title=obj.title,
            body="\n".join(part for part in (obj.body, obj.reply) if part),
            url=reverse("mailbox:board_message", args=[obj.pk]),
            date=date,
            facets={"category": obj.category.name, "year": str(date.year)},
        )


class PublishedLetterSource(SearchSource):
    """来信选登: only the edited public text and the signed-off replies."""

    type = "letter"
    label = "来信选登"
    model = Letter
    facet_labels = {"mailbox": "信箱", "year": "年份"}

    def indexable(self):
        return Letter.objects.published().select_related("mailbox")

    def is_indexable(self, obj) -> bool:
        return self.indexable().filter(pk=obj.pk).exists()

    def to_document(self, obj):
        date = timezone.localdate(obj.published_at or obj.submitted_at)
        replies = [r.body for r in obj.signed_replies]
        return SearchDocument(
            key=self.key_for(obj.pk),
            type=self.type,
            title=obj.public_subject,
            body="\n".join([obj.public_content, *replies]),
            url=reverse("mailbox:published_letter", args=[obj.public_id]),
            date=date,
            facets={"mailbox": obj.mailbox.name, "year": str(date.year)},
        )
