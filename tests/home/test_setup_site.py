"""setup_site: a site with no demo content has every section and every role's rights."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, GroupPagePermission, Site
from wagtail.permission_policies.collections import CollectionPermissionPolicy

from library.models import PolicyLibraryPage
from news.models import NewsIndexPage
from school.models import SchoolIndexPage
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def staff(role: str):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def setup():
    out = io.StringIO()
    call_command(
        "setup_site", name="测试集团党建网", domain="DJ.example.org", stdout=out
    )
    return out.getvalue()


def test_setup_names_the_site_and_installs_every_section():
    assert not NewsIndexPage.objects.exists()
    out = setup()
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.site_name) == (
        "dj.example.org",
        443,
        "测试集团党建网",
    )
    assert site.root_url == "https://dj.example.org"
    assert "新闻中心、文件库、网上党校" in out
    for model in (NewsIndexPage, PolicyLibraryPage, SchoolIndexPage):
        page = model.objects.get()
        assert page.live and page.get_parent().specific_class.__name__ == "HomePage"


def test_each_role_can_do_its_job_and_no_more_after_setup_alone():
    setup()
    news = NewsIndexPage.objects.get()
    library = PolicyLibraryPage.objects.get()
    school = SchoolIndexPage.objects.get()
    publicist, reviewer, teacher = staff("宣传员"), staff("审核员"), staff("党校管理员")

    assert news.permissions_for_user(publicist).can_add_subpage()
    assert not news.permissions_for_user(publicist).can_publish_subpage()
    assert news.permissions_for_user(reviewer).can_publish_subpage()
    assert library.permissions_for_user(publicist).can_add_subpage()
    assert school.permissions_for_user(teacher).can_publish_subpage()
    assert not school.permissions_for_user(publicist).can_add_subpage()
    assert not news.permissions_for_user(teacher).can_add_subpage()
    assert news.get_workflow() is not None

    documents = CollectionPermissionPolicy(get_document_model())
    root = Collection.get_first_root_node()
    assert root in documents.collections_user_has_permission_for(publicist, "add")
    # 党校管理员: course covers and lesson courseware, in the school's collection only.
    school_collection = root.get_children().get(name="网上党校")
    for policy in (documents, CollectionPermissionPolicy(get_image_model())):
        for action in ("add", "choose"):
            assert list(
                policy.collections_user_has_permission_for(teacher, action)
            ) == [school_collection]


def test_setup_is_idempotent():
    setup()
    grants = GroupPagePermission.objects.count()
    setup()
    assert GroupPagePermission.objects.count() == grants
    assert NewsIndexPage.objects.count() == 1


def test_a_malformed_domain_is_refused_in_chinese():
    with pytest.raises(CommandError, match="域名格式不正确"):
        call_command("setup_site", name="x", domain="https://dj.example.org/")


def test_the_address_comes_from_portal_base_url_when_no_domain_is_given(settings):
    settings.PORTAL_BASE_URL = "https://dj.example.org"
    call_command("setup_site", name="测试集团党建网", stdout=io.StringIO())
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("dj.example.org", 443)
    assert site.root_url == settings.PORTAL_BASE_URL

    settings.PORTAL_BASE_URL = "http://10.0.0.5:8080"
    call_command("setup_site", name="内网党建网", stdout=io.StringIO())
    site.refresh_from_db()
    assert site.root_url == "http://10.0.0.5:8080"


def test_a_domain_or_port_contradicting_portal_base_url_is_refused(settings):
    settings.PORTAL_BASE_URL = "https://dj.example.org"
    with pytest.raises(CommandError, match="与 PORTAL_BASE_URL"):
        call_command("setup_site", name="x", domain="other.example.org")
    with pytest.raises(CommandError, match="端口不一致"):
        call_command("setup_site", name="x", port=8443)
    assert Site.objects.get(is_default_site=True).hostname == "localhost"
    setup()  # the same host spelled differently agrees with the setting
    assert Site.objects.get(is_default_site=True).root_url == "https://dj.example.org"


def test_without_portal_base_url_the_domain_is_required(settings):
    settings.PORTAL_BASE_URL = ""
    with pytest.raises(CommandError, match="--domain"):
        call_command("setup_site", name="x")
