import pytest
from django.contrib.auth.models import Group, Permission

from search.models import QueryStat, Synonym


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user("staff", password="pw-123456-abc")
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_querystat"),
    )
    return user


def test_report_lists_popular_and_zero_result_queries(client, staff):
    for _ in range(3):
        QueryStat.record("党费", 5)
    QueryStat.record("没有的东西", 0)
    client.force_login(staff)
    html = client.get("/admin/search-report/").content.decode()
    assert "热门搜索词" in html and "党费" in html and "没有的东西" in html
    assert "共 4 次搜索，其中 1 次没有结果（25%）" in html
    # The zero-result list: only the query that found nothing, same summary.
    html = client.get("/admin/search-report/?table=zero").content.decode()
    assert "无结果的搜索词" in html and "没有的东西" in html
    assert "党费" not in html
    assert "共 4 次搜索，其中 1 次没有结果（25%）" in html


def test_report_needs_the_permission(client, django_user_model):
    user = django_user_model.objects.create_user("plain", password="pw-123456-abc")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    response = client.get("/admin/search-report/")
    assert response.status_code in (302, 403)
    assert "热门搜索词" not in response.content.decode()


def test_site_admin_role_can_edit_synonyms_and_see_the_report(db):
    group = Group.objects.filter(name="站点管理员").first()
    if group is None:
        pytest.skip("role groups are created by the members app")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"add_synonym", "change_synonym", "view_querystat"} <= codenames


def test_default_synonyms_exist_and_are_bidirectional(db):
    from search.synonyms import build_synonym_map

    assert Synonym.objects.filter(term="两学一做").exists()
    mapping = build_synonym_map()
    assert "学党章党规、学系列讲话，做合格党员" in mapping["两学一做"]
    assert "两学一做" in mapping["学党章党规、学系列讲话,做合格党员"]


def test_report_shows_index_updates_waiting_for_a_retry(client, staff):
    from search.models import PendingIndexUpdate

    client.force_login(staff)
    assert "推迟" not in client.get("/admin/search-report/").content.decode()
    PendingIndexUpdate.objects.create(key="news:7", last_error="ConnectionError")
    html = client.get("/admin/search-report/").content.decode()
    assert "有 1 条索引更新因搜索引擎故障而推迟" in html
    assert "ConnectionError" in html
