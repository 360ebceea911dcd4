"""Public pages of 网上公示: list, notice, feedback form, receipt, tracking."""

import pytest
from django.urls import reverse

from notices.models import NoticeFeedback
from tests.members.factories import MemberFactory

from .conftest import send

pytestmark = pytest.mark.django_db

FORM = {"real_name": "李四", "contact": "13800138000", "content": "情况属实，支持。"}


def test_index_lists_notices_and_filters_by_phase_and_type(
    client, index, notice_a, archived_a
):
    page = client.get(index.url).content.decode()
    assert notice_a.title in page and archived_a.title in page
    open_only = client.get(index.url, {"phase": "open"}).content.decode()
    assert notice_a.title in open_only and archived_a.title not in open_only
    assert (
        client.get(index.url, {"type": "appointment"}).content.decode().count("nt-item")
        == 1
    )  # the 暂无 card


@pytest.mark.parametrize(
    "params", [{"phase": "x"}, {"type": "长" * 300}, {"page": "²"}, {"page": "1\x00"}]
)
def test_index_answers_bad_parameters_with_400(client, index, params):
    response = client.get(index.url, params)
    assert response.status_code == 400


def test_open_notice_offers_feedback_and_archived_does_not(
    client, notice_a, archived_a
):
    open_page = client.get(notice_a.url).content.decode()
    assert "公示中" in open_page
    assert reverse("notices:feedback", args=[notice_a.pk]) in open_page
    closed = client.get(archived_a.url).content.decode()
    assert "公示结束" in closed and "不再接收意见反馈" in closed
    assert reverse("notices:feedback", args=[archived_a.pk]) not in closed


def test_feedback_then_receipt_once_then_tracking(client, notice_a, staff_a):
    response = client.post(reverse("notices:feedback", args=[notice_a.pk]), FORM)
    assert response.status_code == 302
    receipt = client.get(reverse("notices:sent"))
    number = receipt.context["receipt"]["number"]
    code = receipt.context["receipt"]["code"]
    assert client.get(reverse("notices:sent")).status_code == 410
    feedback = NoticeFeedback.objects.get()
    assert feedback.tracking_number == number and feedback.real_name == "李四"

    from notices import services

    services.reply_to_feedback(feedback, by=staff_a, text="感谢监督，已核实。")
    found = client.post(reverse("notices:track"), {"number": number, "code": code})
    assert found.status_code == 302
    page = client.get(reverse("notices:track")).content.decode()
    assert "已答复" in page and "感谢监督，已核实。" in page
    left = client.get(reverse("notices:track"), {"leave": ""}).content.decode()
    assert "感谢监督" not in left


def test_wrong_code_is_404_with_a_chinese_message(client, notice_a):
    feedback, _ = send(notice_a)
    response = client.post(
        reverse("notices:track"),
        {"number": feedback.tracking_number, "code": "AAAA-BBBB-CCCC-DDDD"},
    )
    assert response.status_code == 404
    assert "反馈编号或查询码不正确" in response.content.decode()


def test_feedback_on_archived_notice_is_refused(client, archived_a):
    url = reverse("notices:feedback", args=[archived_a.pk])
    assert "公示期已结束" in client.get(url).content.decode()
    response = client.post(url, FORM)
    assert response.status_code == 400
    assert "该公示已结束" in response.content.decode()
    assert not NoticeFeedback.objects.exists()


def test_missing_fields_are_400_and_nothing_stored(client, notice_a):
    response = client.post(
        reverse("notices:feedback", args=[notice_a.pk]), {"content": "x"}
    )
    assert response.status_code == 400
    assert not NoticeFeedback.objects.exists()


def test_honeypot_stores_nothing_and_loses_nothing(client, notice_a):
    url = reverse("notices:feedback", args=[notice_a.pk])
    response = client.post(url, {**FORM, "website": "x"})
    assert not NoticeFeedback.objects.exists()
    assert "表单里有一栏应当留空" in response.content.decode()
    assert FORM["content"] in response.content.decode()
    client.post(url, FORM)
    assert NoticeFeedback.objects.count() == 1


def test_unknown_or_draft_notice_is_404(client, notice_a):
    assert client.get(reverse("notices:feedback", args=[999999])).status_code == 404
    notice_a.unpublish()
    url = reverse("notices:feedback", args=[notice_a.pk])
    assert client.get(url).status_code == 404


def test_member_opens_own_feedback_without_code_and_others_get_404(client, notice_a):
    member, other = MemberFactory(), MemberFactory()
    feedback, _ = send(notice_a, user=member.user)
    client.force_login(other.user)
    url = reverse("notices:mine", args=[feedback.tracking_number])
    assert client.get(url).status_code == 404
    client.force_login(member.user)
    assert client.get(url).status_code == 302
    assert feedback.content in client.get(reverse("notices:track")).content.decode()
    me = client.get(reverse("me")).content.decode()
    assert "我的公示反馈" in me and feedback.tracking_number in me


def test_notice_is_found_by_site_search_after_it_closes(archived_a):
    from search.registry import source_for_type

    source = source_for_type("notice")
    assert source.is_indexable(archived_a)
    document = source.to_document(archived_a)
    assert document.facets["notice_type"] == "发展党员公示"
    assert "张三" in document.body
