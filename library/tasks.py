"""Background jobs of the library."""

from django_tasks import task


@task()
def extract_attachment_text(document_id: int) -> str:
    """Extract one uploaded file's text and reindex the documents it is attached to."""
    from library.services import extract_document_text

    return extract_document_text(document_id)
