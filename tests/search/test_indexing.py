"""Publish/unpublish/delete/privacy signals keep the index in step, via on-commit tasks."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from wagtail.models import Page, PageViewRestriction

from search import indexing
from search.documents import SearchDocument
from search.query import parse
from search.registry import SearchSource, register, unregister


class PageSource(SearchSource):
    """Every Wagtail page, as a test stand-in for a content app's source."""

    type = "page"
    label = "页面"
    model = Page

    def to_document(self, obj):
        return SearchDocument(
            key=self.key_for(obj.pk),
            type=self.type,
            title=obj.title,
            body=obj.search_description or "",
            url=obj.url or "",
            date=None,
        )


class GroupSource(SearchSource):
    """A non-page model, indexed on every save."""

    type = "group"
    label = "角色"
    model = Group

    def to_document(self, obj):
        return SearchDocument(
            key=self.key_for(obj.pk),
            type=self.type,
            title=obj.name,
            body="",
            url="",
            date=None,
        )


@pytest.fixture
def sources(default_backend, db):
    register(PageSource)
    register(GroupSource)
    yield default_backend
    unregister("page")
    unregister("group")


def titles(backend, text):
    return [h.title for h in backend.search(parse(text)).hits]


@pytest.fixture
def page(home_page, sources, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        child = home_page.add_child(
            instance=Page(
                title="党费收缴管理办法",
                slug="dangfei",
                search_description="按月交纳党费",
            )
        )
        child.save_revision().publish()
    return child


def test_publishing_indexes_the_page_after_commit(page, sources):
    assert titles(sources, "党费") == ["党费收缴管理办法"]


def test_nothing_is_indexed_before_the_transaction_commits(
    home_page, sources, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        child = home_page.add_child(instance=Page(title="组织生活会通知", slug="zzsh"))
        child.save_revision().publish()
    assert titles(sources, "组织生活会") == []
    assert callbacks
    for callback in callbacks:
        callback()
    assert titles(sources, "组织生活会") == ["组织生活会通知"]


def test_unpublishing_removes_the_page(
    page, sources, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert titles(sources, "党费") == []


def test_draft_changes_are_not_indexed_until_published(
    page, sources, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page.title = "党费草稿标题"
        page.save_revision()
    assert titles(sources, "草稿") == []
    assert titles(sources, "党费") == ["党费收缴管理办法"]


def test_private_pages_leave_the_index(
    page, sources, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(
            page=page, restriction_type=PageViewRestriction.PASSWORD, password="secret"
        )
    assert titles(sources, "党费") == []
    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()
    assert titles(sources, "党费") == ["党费收缴管理办法"]


def test_deleting_removes_the_page(page, sources, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page.delete()
    assert titles(sources, "党费") == []


def test_non_page_models_are_indexed_on_save_and_removed_on_delete(
    sources, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        group = Group.objects.create(name="党费管理小组")
    assert titles(sources, "党费管理") == ["党费管理小组"]
    with django_capture_on_commit_callbacks(execute=True):
        group.delete()
    assert titles(sources, "党费管理") == []


def test_index_objects_upserts_visible_and_drops_hidden(page, sources):
    page.live = False
    page.save()
    assert indexing.index_objects([page]) == 0
    assert titles(sources, "党费") == []
    page.live = True
    page.save()
    assert indexing.index_objects([page]) == 1
    assert titles(sources, "党费") == ["党费收缴管理办法"]


def test_rebuild_command_indexes_only_live_public_content(page, home_page, sources):
    draft = home_page.add_child(
        instance=Page(title="党费草稿", slug="draft", live=False)
    )
    assert draft.pk
    sources.upsert(
        [
            SearchDocument(
                key="page:999",
                type="page",
                title="残留党费文档",
                body="",
                url="",
                date=None,
            )
        ]
    )
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out, stderr=io.StringIO())
    assert "党费收缴管理办法" in titles(sources, "党费")
    assert "党费草稿" not in titles(sources, "党费")
    assert "残留党费文档" not in titles(sources, "党费")
    assert "已重建" in out.getvalue()


def test_indexed_text_is_capped_and_the_rest_is_not_searchable(
    home_page, sources, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_SEARCH_MAX_BODY_CHARS = 5_000
    with django_capture_on_commit_callbacks(execute=True):
        big = home_page.add_child(
            instance=Page(
                title="超长附件",
                slug="big",
                search_description="开头写明党费标准。"
                + "其他内容。" * 2_000
                + "末尾提到三会一课。",
            )
        )
        big.save_revision().publish()
    stored = sources.get(f"page:{big.pk}")
    assert len(stored.body) == 5_000
    assert titles(sources, "党费") == ["超长附件"]
    assert titles(sources, "三会一课") == []


def test_a_failed_update_is_deferred_and_repaired(
    page, sources, settings, django_capture_on_commit_callbacks
):
    from search.backends import get_backend, reset_backends
    from search.models import PendingIndexUpdate

    working = settings.PORTAL_SEARCH_BACKENDS
    settings.PORTAL_SEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.backends.elasticsearch.ElasticsearchBackend",
            "URL": "http://127.0.0.1:9",
            "MAX_RETRIES": 0,
            "TIMEOUT": 1,
        }
    }
    reset_backends()
    with django_capture_on_commit_callbacks(execute=True):
        page.title = "党费收缴管理办法（修订）"
        page.save_revision().publish()
    assert PendingIndexUpdate.objects.get().key == f"page:{page.pk}"
    settings.PORTAL_SEARCH_BACKENDS = working
    reset_backends()
    out = io.StringIO()
    call_command("repair_search_index", stdout=out)
    assert "成功 1 条" in out.getvalue()
    assert not PendingIndexUpdate.objects.exists()
    assert titles(get_backend(), "党费") == ["党费收缴管理办法（修订）"]
