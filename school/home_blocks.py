"""What the school puts on the home page: its newest courses open to everyone and a
link to the 网上党校 for 更多 (through the ``home_page_context`` hook; see
news/home_blocks.py)."""

from wagtail import hooks

from pagecache.cache import outside_private_sections

from .models import CoursePage

SHOWN = 4


@hooks.register("home_page_context")
def home_page_context(home, sections: dict) -> dict:
    courses = (
        CoursePage.objects.live()
        .filter(audience_all=True)
        .order_by("-first_published_at", "-pk")
        .only("title", "url_path", "path", "lecturer")
    )
    return {
        "school_page": sections.get("school.SchoolIndexPage"),
        "school_courses": outside_private_sections(courses[: SHOWN * 2])[:SHOWN],
    }
