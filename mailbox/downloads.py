"""How a privately stored file (mailbox.models.StoredFile: a letter's attachment, an
assessment report's evidence) leaves, once a view has checked who asks: under its
display name and checked type, sandboxed, never sniffed and never cached."""

from django.http import FileResponse


def stored_file_response(handle, item, *, as_attachment: bool) -> FileResponse:
    """The opened file ``handle`` of the StoredFile ``item``; ``as_attachment`` makes
    the browser save it rather than show it."""
    response = FileResponse(
        handle,
        as_attachment=as_attachment,
        filename=item.display_name,
        content_type=item.content_type,
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
