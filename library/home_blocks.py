"""What the library puts on the home page: its newest public documents and a link to
the 文件库 for 更多 (through the ``home_page_context`` hook; see news/home_blocks.py)."""

from wagtail import hooks

from pagecache.cache import outside_private_sections

from .models import PolicyDocumentPage


@hooks.register("home_page_context")
def home_page_context(home, sections: dict) -> dict:
    size = home.column_size
    documents = (
        PolicyDocumentPage.objects.live()
        .order_by("-publish_date", "-pk")
        .only("title", "url_path", "path", "publish_date")
    )
    return {
        "library_page": sections.get("library.PolicyLibraryPage"),
        # Twice the size read, so that a private section's documents leave enough.
        "library_documents": outside_private_sections(documents[: size * 2])[:size],
    }
