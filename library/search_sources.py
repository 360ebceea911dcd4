"""How policy documents appear in the site search (registered from apps.ready)."""

from __future__ import annotations

from django.db.models import QuerySet
from wagtail.models import PageViewRestriction

from library.models import ExtractionStatus, PolicyDocumentPage
from search.documents import SearchDocument
from search.registry import SearchSource

FACET_LABELS = {
    "issuer": "发文机关",
    "year": "年份",
    "category": "主题分类",
    "doc_type": "公文种类",
    "validity": "效力",
}


class PolicyDocumentSource(SearchSource):
    """Live, public policy documents with their metadata facets and attachment text."""

    type = "policy"
    label = "政策文件"
    model = PolicyDocumentPage
    facet_labels = FACET_LABELS

    def indexable(self) -> QuerySet:
        """Live, public documents, with what to_document reads fetched in bulk."""
        return PolicyDocumentPage.objects.live().public().for_indexing()

    def is_indexable(self, obj: PolicyDocumentPage) -> bool:
        """Live and without a view restriction on the page or any ancestor."""
        if not obj.live:
            return False
        step = obj.steplen
        paths = [obj.path[:end] for end in range(step, len(obj.path) + 1, step)]
        return not PageViewRestriction.objects.filter(page__path__in=paths).exists()

    def to_document(self, obj: PolicyDocumentPage) -> SearchDocument:
        """Title, metadata lines, history, body and attachment text as one document."""
        parts = [obj.doc_number, obj.issuer, obj.history, obj.body_text()]
        for attachment in obj.attachments.all():
            if attachment.text_in_body:
                continue
            extracted = getattr(attachment.document, "policy_text", None)
            if extracted and extracted.status == ExtractionStatus.DONE:
                parts.append(f"{attachment.display_title}\n{extracted.text}")
        facets: dict[str, str | list[str]] = {
            "issuer": obj.issuer,
            "year": str(obj.year) if obj.year else "",
            "category": obj.category.facet_values() if obj.category_id else [],
            "doc_type": obj.doc_type,
            "validity": obj.validity,
            "level": obj.level,
            "doc_prefix": obj.doc_number_prefix,
        }
        return SearchDocument(
            key=self.key_for(obj.pk),
            type=self.type,
            title=obj.title,
            body="\n".join(p for p in parts if p),
            url=obj.url or "",
            date=obj.publish_date or obj.written_date,
            external_id=obj.external_id,
            facets=facets,
            extra={
                "doc_number": obj.doc_number,
                "issuer": obj.issuer,
                "validity": obj.validity,
            },
        )
