"""Notices in the site search: open and archived alike stay findable."""

from __future__ import annotations

from django.utils.html import strip_tags


def register_sources() -> None:
    """Register the notice source with the search registry."""
    from search import registry
    from search.documents import SearchDocument

    from .models import NoticePage

    class NoticeSource(registry.SearchSource):
        """A live, public notice: title, type, organisation and text."""

        type = "notice"
        label = "网上公示"
        model = NoticePage
        facet_labels = {"notice_type": "公示类型", "organization": "发布党组织"}

        def indexable(self):
            return super().indexable().select_related("organization")

        def to_document(self, obj):
            return SearchDocument(
                key=self.key_for(obj.pk),
                type=self.type,
                title=obj.title,
                body=" ".join(
                    [
                        obj.get_notice_type_display(),
                        obj.organization.name,
                        strip_tags(obj.body),
                    ]
                ),
                url=obj.url or "",
                date=obj.period_start,
                facets={
                    "notice_type": obj.get_notice_type_display(),
                    "organization": obj.organization.name,
                },
                extra={
                    "period": f"{obj.period_start:%Y-%m-%d} 至 {obj.period_end:%Y-%m-%d}"
                },
            )

    registry.register(NoticeSource)
