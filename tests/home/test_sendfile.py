"""Documents behind nginx: Wagtail's privacy check first, then X-Accel-Redirect."""

import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction
from wagtail.utils import sendfile as wagtail_sendfile

from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accel(settings, tmp_path):
    """Production's switch (PORTAL_DOCUMENTS_ACCEL_REDIRECT) on, media in tmp_path."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAL_DOCUMENTS_ACCEL_REDIRECT = "/_media/"
    settings.SENDFILE_BACKEND = "home.sendfile"
    wagtail_sendfile._get_sendfile.clear()
    yield
    wagtail_sendfile._get_sendfile.clear()


@pytest.fixture
def private_document(accel):
    collection = Collection.get_first_root_node().add_child(name="仅党员")
    CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=CollectionViewRestriction.LOGIN
    )
    return get_document_model().objects.create(
        title="内部通知",
        file=ContentFile(b"internal notice", name="notice.txt"),
        collection=collection,
    )


def test_anonymous_reader_is_sent_to_login_without_the_file(client, private_document):
    response = client.get(private_document.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "X-Accel-Redirect" not in response


def test_logged_in_reader_gets_an_internal_redirect_and_no_body(
    client, private_document
):
    client.force_login(UserFactory())
    response = client.get(private_document.url)
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/_media/{private_document.file.name}"
    assert "notice.txt" in response["Content-Disposition"]


def test_names_are_percent_encoded(accel, settings):
    from home.sendfile import accel_path

    path = settings.MEDIA_ROOT / "documents" / "通知 1.pdf"
    assert accel_path(path) == "/_media/documents/%E9%80%9A%E7%9F%A5%201.pdf"


def test_files_outside_media_root_are_not_redirected(accel, tmp_path):
    from django.http import Http404

    from home.sendfile import accel_path

    with pytest.raises(Http404):
        accel_path(tmp_path / "elsewhere.txt")
