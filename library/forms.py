"""The admin's document form: Wagtail's own, refusing PDFs that carry active content."""

from django import forms
from django.core.files.uploadedfile import UploadedFile
from wagtail.documents.forms import BaseDocumentForm

from home.pdf_safety import PdfRefused, check_pdf, looks_like_pdf


class PortalDocumentForm(BaseDocumentForm):
    """Every document upload of the admin goes through this form (WAGTAILDOCS_DOCUMENT_
        FORM_BASE): adding one or several, the chooser's upload tab, replacing a file. A PDF,
        by its name or its bytes, must pass home.pdf_safety; the other fields are kept. A file
    over WAGTAILDOCS_MAX_UPLOAD_SIZE gets Wagtail's 「文件过大」 message alone."""

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

    def _post_clean(self):
        super()._post_clean()
        # A file refused for its size or its content never reaches the model, whose
        # extension check (Document.clean) then reports an empty extension: keep only
        # the message that says why it was refused.
        errors = self._errors.get("file") if self._errors else None
        refusals = (
            [e for e in errors.as_data() if e.code in ("file_too_large", "pdf")]
            if errors
            else []
        )
        if refusals:
            self._errors["file"] = self.error_class(refusals, renderer=self.renderer)

    def _update_errors(self, errors):
        # Document.clean checks the file's extension even in Wagtail's form for a
        # file uploaded earlier (multiple upload, "create from uploaded document"),
        # which has no file field: Django then raises ValueError (a 500). That file
        # was checked when it was uploaded; its error has no field to go to here.
        if "file" not in self.fields and hasattr(errors, "error_dict"):
            errors.error_dict.pop("file", None)
            if not errors.error_dict:
                return
        super()._update_errors(errors)
