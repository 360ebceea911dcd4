"""结业证书: issued on completion, PDF with Chinese text and the verification URL,
public check with a masked name, revocation scoped and audited, serials unguessable."""

import io
import re

import pypdf
import pytest
from django.test import Client, override_settings
from django.utils import timezone
from wagtail.models import ModelLogEntry

from exams import certificates, rules, services
from exams.models import Certificate
from members.roles import (
    LEADER,
    MAILBOX_HANDLER,
    PUBLICIST,
    REVIEWER,
    SCHOOL_ADMIN,
)
from school.models import CourseCompletion, LessonProgress
from tests.members.factories import MemberFactory, make_site_admin, make_staff_user

from .conftest import answer_all, client_for

pytestmark = pytest.mark.django_db


def complete(member, final):
    """Watch every lesson, then pass the 结业考试: the school records the completion."""
    now = timezone.now()
    course = final.course
    for lesson in course.lessons:
        LessonProgress.objects.create(
            member=member, lesson=lesson, course=course, watched_seconds=100,
            completed_at=now,
        )  # fmt: skip
    attempt = services.start_attempt(final, member)
    services.submit_attempt(attempt, member=member, responses=answer_all(attempt))
    return Certificate.objects.get(member=member, course=course)


@pytest.fixture
def certificate(final, member):
    return complete(member, final)


def test_passing_the_final_issues_one_certificate(certificate, member, final):
    assert certificate.member_name == "孙明"
    assert certificate.course_title == "党章学习"
    assert certificate.credit_hours == 2
    assert certificate.with_exam
    assert certificate.issuer == "集团党委"  # the top of the member's tree
    assert certificate.organization == member.organization
    assert certificates.SERIAL_RE.fullmatch(certificate.serial)
    # Completing again (or a second look) never issues a second one.
    completion = CourseCompletion.objects.get(member=member)
    assert certificates.issue_certificate(completion) == certificate
    assert certificates.certificate_for(member, final.course) == certificate
    assert Certificate.objects.count() == 1


def test_no_certificate_before_completion(final, member):
    attempt = services.start_attempt(final, member)
    services.submit_attempt(attempt, member=member, responses=answer_all(attempt))
    assert not Certificate.objects.exists()  # lessons not watched yet
    assert certificates.certificate_for(member, final.course) is None


def test_serials_and_tokens_are_random_not_sequential(final, tree):
    issued = [complete(MemberFactory(organization=tree[1]), final) for _ in range(6)]
    serials = [c.serial for c in issued]
    tokens = [c.token for c in issued]
    assert len(set(serials)) == len(set(tokens)) == 6
    bodies = [s.split("-", 1)[1].replace("-", "") for s in serials]
    # 12 random characters each: no two share a prefix as counters would.
    assert len({body[:4] for body in bodies}) >= 5
    assert all(len(token) >= 32 for token in tokens)
    assert certificates.SERIAL_RANDOM_CHARS * 5 >= 60


def test_mask_name():
    assert rules.mask_name("张晓明") == "张*明"
    assert rules.mask_name("李华") == "李*"
    assert rules.mask_name("欧阳晓明") == "欧**明"
    assert rules.mask_name("王") == "*"


def test_public_page_by_token_and_serial_masks_the_name(certificate):
    client = Client()
    by_token = client.get(f"/exams/certificates/{certificate.token}/")
    page = by_token.content.decode()
    assert by_token.status_code == 200
    assert "证书有效" in page and "孙*" in page and "孙明" not in page
    assert "党章学习" in page and certificate.serial in page and "集团党委" in page
    # A serial as typed from paper: lower case, O for 0, spaces.
    typed = certificate.serial.lower().replace("0", "o")
    found = client.get("/exams/certificates/", {"code": typed}, follow=True)
    assert "证书有效" in found.content.decode()


def test_revoked_certificate_shows_as_revoked(certificate):
    certificates.revoke_certificate(
        certificate, by=make_site_admin(), reason="学时记录有误"
    )
    page = Client().get(f"/exams/certificates/{certificate.serial}/").content.decode()
    assert "证书已撤销" in page and "证书有效" not in page


def test_unknown_codes_are_404_in_chinese_and_rate_limited(certificate):
    client = Client()
    unknown = client.get("/exams/certificates/DX2026-AAAA-BBBB-CCCC/")
    assert unknown.status_code == 404
    assert "没有找到这个编号的结业证书" in unknown.content.decode()
    with override_settings(PORTAL_EXAMS_CERTIFICATE_LOOKUPS_PER_IP=(3, 3600)):
        codes = [f"DX2026-AAAA-BBBB-CCC{n}" for n in range(1, 4)]
        statuses = [client.get(f"/exams/certificates/{c}/").status_code for c in codes]
        limited = client.get(f"/exams/certificates/{certificate.token}/")
    assert 404 in statuses and limited.status_code == 429
    assert "查询过于频繁" in limited.content.decode()


@pytest.mark.parametrize(
    "query", [{"code": ""}, {"code": "x" * 500}, {"code": "\x00"}, {"code": "<b>"}]
)
def test_bad_codes_answer_4xx_in_chinese(query):
    response = Client().get("/exams/certificates/", query, follow=True)
    assert 400 <= response.status_code < 500
    assert re.search("证书编号|没有找到", response.content.decode())


@pytest.mark.parametrize("code", ["DX2026%00AAAA", "%3Cb%3E", "x" * 200])
def test_bad_codes_in_the_address_are_refused_before_the_database(client, code):
    """A NUL byte reached PostgreSQL, which refused it with a DataError (CI)."""
    response = client.get(f"/exams/certificates/{code}/")
    assert response.status_code == 400
    assert "证书编号格式不正确" in response.content.decode()


def test_member_downloads_a_pdf_with_the_facts_and_the_qr_url(certificate, member):
    client = client_for(member.user)
    response = client.get(f"/exams/certificates/{certificate.token}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = re.sub(r"[\s\x00]", "", reader.pages[0].extract_text())
    assert "结业证书" in text and "孙明同志" in text and "《党章学习》" in text
    assert "计2学时" in text and "集团党委" in text and certificate.serial in text
    assert f"/exams/certificates/{certificate.token}/" in text
    assert reader.pages[0].images, "the QR code is an image on the page"


def test_a_pdf_is_rendered_once_and_again_for_a_new_site_address(
    certificate, member, settings, monkeypatch, tmp_path
):
    """Rendering reads 40 MB of fonts; the same PDF again comes from the cache. With
    the fonts taken away after the first download, the second still gets the same
    bytes; a new site address (printed in the QR link) needs a new rendering, which
    now fails with the missing-font message."""
    url = f"/exams/certificates/{certificate.token}/pdf/"
    client = client_for(member.user)
    first = client.get(url)
    assert first.status_code == 200
    settings.PORTAL_EXAMS_CERTIFICATE_FONT_DIR = str(tmp_path)
    monkeypatch.setattr(certificates, "FONT_DIRS", [])
    again = client.get(url)
    assert again.status_code == 200 and again.content == first.content
    settings.PORTAL_BASE_URL = "https://dangjian.example.cn"
    moved = client.get(url)
    assert moved.status_code == 503
    assert "缺少中文字体" in moved.content.decode()


def test_course_page_and_me_link_the_download(certificate, member, final):
    client = client_for(member.user)
    course = client.get(final.course.url).content.decode()
    assert "下载结业证书（PDF）" in course
    assert f"/exams/certificates/{certificate.token}/pdf/" in course
    me = client.get("/me/").content.decode()
    assert "我的结业证书" in me and certificate.serial in me


def test_others_cannot_download(certificate, other_member, tree):
    url = f"/exams/certificates/{certificate.token}/pdf/"
    assert client_for(other_member.user).get(url).status_code == 403
    outside = make_staff_user(SCHOOL_ADMIN, scope=tree[2])
    assert client_for(outside).get(url).status_code == 403
    inside = make_staff_user(SCHOOL_ADMIN, scope=tree[1])
    assert client_for(inside).get(url).status_code == 200
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]


def test_revoked_certificate_cannot_be_downloaded(certificate, member):
    certificates.revoke_certificate(certificate, by=make_site_admin(), reason="误发")
    url = f"/exams/certificates/{certificate.token}/pdf/"
    assert client_for(member.user).get(url).status_code == 403
    assert "已撤销" in client_for(member.user).get("/me/").content.decode()


# ---- admin: scope per role, revocation ---------------------------------------------


@pytest.mark.parametrize("role", [PUBLICIST, REVIEWER, MAILBOX_HANDLER, LEADER])
def test_roles_without_the_right_get_403(certificate, role, tree):
    client = client_for(make_staff_user(role, scope=tree[0]))
    for url in (
        "/admin/exams/certificates/",
        f"/admin/exams/certificates/inspect/{certificate.pk}/",
        f"/admin/exams/certificates/{certificate.pk}/revoke/",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
    revoke = client.post(
        f"/admin/exams/certificates/{certificate.pk}/revoke/", {"reason": "x"}
    )
    assert revoke.status_code == 403
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_member_gets_no_admin(certificate, member):
    response = client_for(member.user).get("/admin/exams/certificates/")
    assert response.status_code in (302, 403)


def test_school_admin_sees_only_their_part_of_the_tree(certificate, tree, final):
    other = complete(MemberFactory(organization=tree[2], real_name="李华"), final)
    inside = client_for(make_staff_user(SCHOOL_ADMIN, scope=tree[1]))
    listing = inside.get("/admin/exams/certificates/").content.decode()
    assert certificate.serial in listing and other.serial not in listing
    assert (
        inside.get(f"/admin/exams/certificates/inspect/{other.pk}/").status_code == 403
    )
    refused = inside.post(
        f"/admin/exams/certificates/{other.pk}/revoke/", {"reason": "越权"}
    )
    assert refused.status_code == 403
    other.refresh_from_db()
    assert not other.is_revoked
    everyone = client_for(make_site_admin()).get("/admin/exams/certificates/")
    assert other.serial in everyone.content.decode()


def test_revoke_in_scope_is_audited(certificate, tree):
    staff = make_staff_user(SCHOOL_ADMIN, scope=tree[1])
    client = client_for(staff)
    url = f"/admin/exams/certificates/{certificate.pk}/revoke/"
    assert "确认撤销" in client.get(url).content.decode()
    response = client.post(url, {"reason": "学时记录有误，已更正"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoked_by == staff
    entry = ModelLogEntry.objects.get(action="exams.certificate_revoke")
    assert entry.user_id == staff.pk and entry.object_id == str(certificate.pk)
    again = client.post(url, {"reason": "再撤一次"})
    assert again.status_code == 400 and "已经撤销" in again.content.decode()
    listing = client.get("/admin/exams/certificates/", {"state": "revoked"})
    assert certificate.serial in listing.content.decode()


@pytest.mark.parametrize("reason", ["", "   ", "长" * 201])
def test_revoke_needs_a_sensible_reason(certificate, reason):
    client = client_for(make_site_admin())
    response = client.post(
        f"/admin/exams/certificates/{certificate.pk}/revoke/", {"reason": reason}
    )
    assert response.status_code == 400
    assert re.search("请填写撤销原因|不能超过 200 字", response.content.decode())
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_staff_cannot_add_or_edit_certificates(certificate):
    client = client_for(make_site_admin())
    for url in (
        "/admin/exams/certificates/add/",
        f"/admin/exams/certificates/edit/{certificate.pk}/",
        f"/admin/exams/certificates/delete/{certificate.pk}/",
    ):
        assert client.get(url).status_code in (302, 403, 404), url
    assert Certificate.objects.filter(pk=certificate.pk).exists()
