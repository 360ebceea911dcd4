"""The admin's document form: Wagtail's own, refusing PDFs that carry active content."""

from django import forms
from django.core.files.uploadedfile import UploadedFile
from wagtail.documents.forms import BaseDocumentForm

from home.pdf_safety import PdfRefused, check_pdf, looks_like_pdf


class PortalDocumentForm(BaseDocumentForm):
    """Every document upload of the admin goes through this form (WAGTAILDOCS_DOCUMENT_
    FORM_BASE): adding one or several, the chooser's upload tab, replacing a file. A PDF,
    by its name or its bytes, must pass home.pdf_safety; the other fields are kept."""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):
            return upload
        upload.seek(0)
        head = upload.read(1024)
        upload.seek(0)
        if not (looks_like_pdf(head) or upload.name.lower().endswith(".pdf")):
            return upload
        on_disk = getattr(upload, "temporary_file_path", None)
        try:
            check_pdf(on_disk() if on_disk else upload)
        except PdfRefused as exc:
            raise forms.ValidationError(f"“{upload.name}”{exc}", code="pdf") from exc
        return upload
