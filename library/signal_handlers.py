"""Infrastructure reactions: start text extraction when an attachment file changes."""

from django.db.models.signals import post_save


def _document_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    from library.services import request_extraction

    request_extraction(instance)


def _attachment_saved(sender, instance, created, raw=False, **kwargs):
    if raw or not instance.document_id:
        return
    from library.services import request_extraction

    request_extraction(instance.document)


def register_signal_handlers() -> None:
    """Connect the library's handlers (called once from LibraryConfig.ready)."""
    from wagtail.documents import get_document_model

    from library.models import PolicyAttachment

    post_save.connect(
        _document_saved, sender=get_document_model(), dispatch_uid="library_doc_saved"
    )
    post_save.connect(
        _attachment_saved, sender=PolicyAttachment, dispatch_uid="library_att_saved"
    )
