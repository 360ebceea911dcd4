"""Admin panels of the library."""

from wagtail.admin.panels import Panel


class ExtractionStatusPanel(Panel):
    """Shows, for each attachment of the page being edited, its text-extraction state."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "library/panels/extraction_status.html"

        def get_context_data(self, parent_context=None):
            from library.models import AttachmentText

            context = super().get_context_data(parent_context)
            rows = []
            if self.instance and self.instance.pk:
                attachments = self.instance.attachments.select_related("document")
                records = {
                    r.document_id: r
                    for r in AttachmentText.objects.filter(
                        document_id__in=[a.document_id for a in attachments]
                    )
                }
                for attachment in attachments:
                    rows.append((attachment, records.get(attachment.document_id)))
            context["rows"] = rows
            return context
