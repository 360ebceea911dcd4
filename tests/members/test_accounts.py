"""Account life cycle: activation codes, password reset by e-mail, forced and
self-service password changes — through the test client, against the real database."""

import base64
import difflib
import io
import re
from datetime import timedelta

import pytest
import segno
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from members.accounts import codes
from members.accounts.services import (
    ACTIVATION_FAILED_MESSAGE,
    issue_activation_codes,
)
from members.models import ActivationCode, PasswordStatus, SecurityEvent
from members.services import create_member

from .factories import PASSWORD, MemberFactory, UserFactory, make_staff_user

NEW_PASSWORD = "Hongqi#2026go"
ACTIVATE = "/accounts/activate/"
CODE_RE = re.compile(r'data-testid="code">([A-Z2-9]{4}-[A-Z2-9]{4})<')
XLSX_RE = re.compile(
    r'href="data:application/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet;base64,([^"]+)"'
)


def bulk_url(*ids):
    query = "&".join(f"id={i}" for i in ids)
    return reverse(
        "wagtail_bulk_action", args=["members", "member", "issue_activation"]
    ) + (f"?{query}&next=/admin/members/")


def org_url(org):
    return reverse("members_activation_organization", args=[org.pk])


@pytest.fixture
def imported(tree):
    """Three members as the importer leaves them: accounts without a password."""
    return [
        create_member(
            real_name="王芳",
            organization=tree["a"],
            member_no="A001",
            phone="13800000001",
        ),
        create_member(
            real_name="李强",
            organization=tree["a"],
            member_no="A002",
            phone="13800000002",
        ),
        create_member(
            real_name="赵敏", organization=tree["a1"], member_no="A003", phone=""
        ),
    ]


@pytest.fixture
def branch_admin(client, publicist_a):
    client.force_login(publicist_a)
    return client


def issue_for_branch(client, org, **data):
    response = client.post(org_url(org), data)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def sheet_codes(response) -> dict[str, str]:
    """党员编号 -> code, as the sheet shows them."""
    html = response.content.decode()
    numbers = re.findall(r'data-testid="member-no">([^<]+)<', html)
    return dict(zip(numbers, CODE_RE.findall(html), strict=True))


def activate(client, identity, code, password=NEW_PASSWORD, **extra):
    return client.post(
        ACTIVATE,
        {
            "identity": identity,
            "code": code,
            "new_password1": password,
            "new_password2": password,
        },
        **extra,
    )


def login(client, username, password) -> bool:
    """Sign in through the login form; whether it worked."""
    response = client.post(
        "/accounts/login/", {"username": username, "password": password}
    )
    return response.status_code == 302


def issue(member, by):
    """Issue a code without the admin UI; returns the code as printed."""
    return issue_activation_codes([member], by=by).issued[0].code


# Issuing


def test_branch_admin_issues_codes_shown_once_on_a_sheet_and_in_xlsx(
    branch_admin, tree, imported, member_b, settings
):
    settings.PORTAL_BASE_URL = "https://dangjian.example.cn"
    page = branch_admin.get(org_url(tree["a"]))
    assert page.status_code == 200
    assert "其中 <strong>3</strong> 人尚未激活账号" in page.content.decode()

    response = issue_for_branch(branch_admin, tree["a"])
    assert "no-store" in response["Cache-Control"]
    shown = sheet_codes(response)
    assert set(shown) == {"A001", "A002", "A003"}
    html = response.content.decode()
    assert "https://dangjian.example.cn/accounts/activate/" in html
    assert html.count("<svg") == 3  # one QR code per card
    # A card's QR code is the activation link with that member's code.
    link = f"https://dangjian.example.cn/accounts/activate/#code={shown['A001']}"
    qr = segno.make(link, error="m").svg_inline(
        scale=3, border=2, svgclass="code-card__qr", lineclass=None, omitsize=False
    )
    assert qr in html

    workbook = load_workbook(
        io.BytesIO(base64.b64decode(XLSX_RE.search(html).group(1)))
    )
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:5] == ("姓名", "党员编号", "登录账号", "所在党组织", "激活码")
    assert {row[1]: row[4] for row in rows[1:]} == shown

    # Only keyed digests are stored; no later page shows a code again.
    stored = list(ActivationCode.objects.values_list("digest", flat=True))
    assert len(stored) == 3
    for code in shown.values():
        assert code not in stored and codes.normalise(code) not in stored
    for url in [
        org_url(tree["a"]),
        reverse("members_members:index"),
        "/admin/reports/site-history/",
    ]:
        later = branch_admin.get(url).content.decode()
        assert not any(code in later for code in shown.values())
    events = SecurityEvent.objects.filter(action="activation_issue")
    assert events.count() == 3
    assert all(e.username == "xc_a" for e in events)
    assert not any(code in e.detail for e in events for code in shown.values())


def test_reissuing_revokes_the_earlier_code(branch_admin, tree, imported):
    first = sheet_codes(issue_for_branch(branch_admin, tree["a"]))["A001"]
    second = sheet_codes(issue_for_branch(branch_admin, tree["a"]))["A001"]
    client = branch_admin.__class__()
    assert activate(client, "A001", first).status_code == 400
    assert activate(client, "A001", second).status_code == 302


def test_bulk_action_issues_for_the_selected_members(branch_admin, imported):
    confirm = branch_admin.get(bulk_url(imported[0].pk, imported[2].pk))
    assert confirm.status_code == 200
    assert "王芳" in confirm.content.decode() and "李强" not in confirm.content.decode()
    response = branch_admin.post(bulk_url(imported[0].pk, imported[2].pk), {})
    assert response.status_code == 200
    assert set(sheet_codes(response)) == {"A001", "A003"}


def test_member_listing_offers_the_bulk_action_and_shows_account_state(
    branch_admin, imported
):
    html = branch_admin.get(reverse("members_members:index")).content.decode()
    assert "签发激活码" in html
    assert "data-bulk-action-checkbox" in html
    assert "未激活" in html


def test_other_branch_member_is_refused_with_403(branch_admin, tree, member_b):
    for response in [
        branch_admin.get(bulk_url(member_b.pk)),
        branch_admin.post(bulk_url(member_b.pk), {}),
        branch_admin.get(org_url(tree["b"])),
        branch_admin.post(org_url(tree["b"]), {}),
    ]:
        assert response.status_code == 403
    assert not ActivationCode.objects.exists()


def test_mixed_selection_with_an_outsider_issues_nothing(
    branch_admin, imported, member_b
):
    response = branch_admin.post(bulk_url(imported[0].pk, member_b.pk), {})
    assert response.status_code == 403
    assert "不在您管理的党组织范围内" in response.content.decode()
    assert not ActivationCode.objects.exists()


def test_staff_accounts_are_refused_and_skipped(branch_admin, tree, imported):
    reviewer = make_staff_user("审核员", username="shenhe_a")
    staff_member = MemberFactory(
        user=reviewer, organization=tree["a"], real_name="审核员甲"
    )
    response = branch_admin.post(bulk_url(staff_member.pk), {})
    assert response.status_code == 403
    assert "具有管理权限" in response.content.decode()

    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    root_member = MemberFactory(
        user=superuser, organization=tree["a"], real_name="超级"
    )
    assert branch_admin.post(bulk_url(root_member.pk), {}).status_code == 403

    # The whole-branch page leaves them out and says why.
    page = branch_admin.get(org_url(tree["a"])).content.decode()
    assert "「审核员甲」的账号具有管理权限" not in page  # has a password: not pending
    response = issue_for_branch(branch_admin, tree["a"], include_activated="on")
    html = response.content.decode()
    assert "「审核员甲」的账号具有管理权限，须由上一级管理员处理" in html
    assert "「超级」的账号具有管理权限" in html
    assert set(sheet_codes(response)) == {"A001", "A002", "A003"}
    assert not ActivationCode.objects.filter(
        member__in=[staff_member, root_member]
    ).exists()


def test_a_branch_admin_cannot_reset_another_branch_admin(client, tree):
    boss = make_staff_user("宣传员", scope=tree["general"], username="boss")
    peer = make_staff_user("宣传员", scope=tree["a"], username="peer")
    peer_member = MemberFactory(user=peer, organization=tree["a"], real_name="同级")
    plain = MemberFactory(organization=tree["a"], real_name="普通党员")
    client.force_login(peer)
    assert client.post(bulk_url(plain.pk), {}).status_code == 200
    boss_member = MemberFactory(user=boss, organization=tree["a"], real_name="上级")
    assert client.post(bulk_url(boss_member.pk), {}).status_code == 403
    client.force_login(boss)
    # Ranks are equal (both 组织管理员): still refused.
    assert client.post(bulk_url(peer_member.pk), {}).status_code == 403


def test_site_admin_may_reset_staff_but_never_a_superuser(client, tree):
    site_admin = make_staff_user("站点管理员", username="zhandian")
    reviewer = make_staff_user("审核员", username="shenhe_b")
    reviewer_member = MemberFactory(user=reviewer, organization=tree["a"])
    superuser = UserFactory(username="root2", is_superuser=True)
    root_member = MemberFactory(user=superuser, organization=tree["a"])
    client.force_login(site_admin)
    assert client.post(bulk_url(reviewer_member.pk), {}).status_code == 200
    assert client.post(bulk_url(root_member.pk), {}).status_code == 403


def test_hostile_ids_get_4xx_not_5xx(branch_admin):
    assert branch_admin.get(bulk_url("abc")).status_code == 404
    assert branch_admin.get(bulk_url("99999999999999999999")).status_code == 404
    assert (
        branch_admin.get("/admin/members/activation/organization/999999/").status_code
        == 404
    )


def test_codes_by_email_are_mailed_not_printed(
    branch_admin, tree, imported, mailoutbox, django_capture_on_commit_callbacks
):
    user = imported[0].user
    user.email = "wangfang@example.com"
    user.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = issue_for_branch(branch_admin, tree["a"], send_email="on")
    shown = sheet_codes(response)
    assert set(shown) == {"A002", "A003"}
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["wangfang@example.com"]
    assert "激活码" in mail.subject
    code = re.search(r"激活码：([A-Z2-9]{4}-[A-Z2-9]{4})", mail.body).group(1)
    assert f"/accounts/activate/#code={code}" in mail.body
    assert code not in response.content.decode()
    assert activate(branch_admin.__class__(), "A001", code).status_code == 302


# Activating


def test_member_activates_with_member_no_and_code_and_is_logged_in(
    client, imported, publicist_a
):
    code = issue(imported[0], publicist_a)
    response = activate(client, "A001", code.lower().replace("-", ""))
    assert response.status_code == 302
    assert response["Location"] == reverse("me")  # the personal centre
    assert client.session[SESSION_KEY] == str(imported[0].user.pk)
    user = get_user_model().objects.get(pk=imported[0].user.pk)
    assert user.check_password(NEW_PASSWORD)
    assert ActivationCode.objects.get().status == "used"
    event = SecurityEvent.objects.get(action="activation")
    assert event.user == user and code not in event.detail
    assert client.get(reverse("school:me")).status_code == 200


def test_member_may_name_the_account_by_phone(client, imported, publicist_a):
    code = issue(imported[1], publicist_a)
    assert activate(client, "138 0000 0002", code).status_code == 302


def _normalised(response, identity, code):
    """The page without what differs by construction: the CSRF token and the two
    values the visitor typed, which the form shows back."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html.replace(f'value="{identity}"', 'value=""').replace(
        f'value="{code}"', 'value=""'
    )


def test_every_failure_gives_the_same_answer_and_changes_nothing(
    client, tree, imported, publicist_a
):
    wang, li, zhao = imported
    right = issue(wang, publicist_a)
    other = issue(li, publicist_a)
    used = issue(zhao, publicist_a)
    assert activate(client.__class__(), "A003", used).status_code == 302
    expired_member = create_member(
        real_name="钱过期", organization=tree["a"], member_no="A009"
    )
    expired = issue(expired_member, publicist_a)
    ActivationCode.objects.filter(member=expired_member).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    attempts = [
        ("A001", "ABCD-EFGH"),  # wrong code
        ("A001", other),  # another member's code
        ("A404", right),  # no such account
        ("A003", used),  # used code
        ("A009", expired),  # expired code
    ]
    answers = []
    for n, (identity, code) in enumerate(attempts):
        response = activate(client, identity, code, REMOTE_ADDR=f"10.3.0.{n}")
        assert response.status_code == 400
        assert ACTIVATION_FAILED_MESSAGE in response.content.decode()
        answers.append(_normalised(response, identity, code))
    for answer in answers[1:]:
        assert answer == answers[0], "\n".join(
            difflib.unified_diff(
                answers[0].splitlines(), answer.splitlines(), lineterm=""
            )
        )

    for member in (wang, li, expired_member):
        member.user.refresh_from_db()
        assert not member.user.has_usable_password()
    assert ActivationCode.objects.get(member=wang).status == "active"
    assert ActivationCode.objects.get(member=expired_member).status == "expired"
    assert SESSION_KEY not in client.session
    reasons = list(
        SecurityEvent.objects.filter(action="activation_failed").values_list(
            "detail", flat=True
        )
    )
    assert sorted(reasons) == sorted(
        ["激活码错误", "激活码错误", "账号不存在", "激活码已使用", "激活码已过期"]
    )
    assert SecurityEvent.objects.filter(action="activation_expired").count() == 1


def test_weak_password_is_refused_and_the_code_stays_usable(
    client, imported, publicist_a
):
    code = issue(imported[0], publicist_a)
    response = activate(client, "A001", code, password="12345678")
    assert response.status_code == 400
    assert ACTIVATION_FAILED_MESSAGE not in response.content.decode()
    # Like the account's own e-mail address: refused once the code proved who it is.
    imported[0].user.email = "wangfang2026@example.com"
    imported[0].user.save()
    response = activate(client, "A001", code, password="Wangfang2026!")
    assert response.status_code == 400
    assert ActivationCode.objects.get().status == "active"
    assert activate(client, "A001", code).status_code == 302


def test_activation_attempts_are_rate_limited_per_address_and_account(
    client, imported, publicist_a
):
    code = issue(imported[0], publicist_a)
    for _ in range(5):
        assert (
            activate(client, "A001", "WXYZ-WXYZ", REMOTE_ADDR="10.4.4.4").status_code
            == 400
        )
    locked = activate(client, "A001", code, REMOTE_ADDR="10.4.4.4")
    assert locked.status_code == 429
    assert "尝试次数过多" in locked.content.decode()
    assert ActivationCode.objects.get().status == "active"
    # The stranger locked only their own address out, not the member.
    assert activate(client, "A001", code, REMOTE_ADDR="10.5.5.5").status_code == 302


def test_one_address_cannot_sweep_many_accounts(client, imported, publicist_a):
    for n in range(20):
        activate(client, f"A{n:03d}", "WXYZ-WXYZ", REMOTE_ADDR="10.6.6.6")
    code = issue(imported[1], publicist_a)
    assert activate(client, "A002", code, REMOTE_ADDR="10.6.6.6").status_code == 429


def test_admin_reset_keeps_the_old_password_until_the_code_is_used(
    client, tree, publicist_a
):
    member = MemberFactory(organization=tree["a"], member_no="A100")
    code = issue(member, publicist_a)
    assert login(client, member.user.username, PASSWORD)
    client.logout()
    assert activate(client, "A100", code).status_code == 302
    client.logout()
    assert not login(client, member.user.username, PASSWORD)
    assert login(client, member.user.username, NEW_PASSWORD)


def test_expired_codes_are_marked_and_logged_by_the_scheduled_command(
    imported, publicist_a
):
    issue(imported[0], publicist_a)
    issue(imported[1], publicist_a)
    ActivationCode.objects.filter(member=imported[0]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    call_command("expire_activation_codes")
    assert sorted(
        ActivationCode.objects.values_list("member__member_no", "status")
    ) == [
        ("A001", "expired"),
        ("A002", "active"),
    ]
    event = SecurityEvent.objects.get(action="activation_expired")
    assert event.user == imported[0].user and "王芳" in event.detail


# Password reset by e-mail


@pytest.fixture
def mailed_member(tree):
    member = MemberFactory(organization=tree["a"], member_no="A200")
    member.user.email = "a200@example.com"
    member.user.save()
    return member


def _reset(client, email, ip="10.7.0.1"):
    return client.post("/accounts/password/reset/", {"email": email}, REMOTE_ADDR=ip)


def test_reset_answers_known_and_unknown_addresses_alike(
    client, mailed_member, mailoutbox
):
    known = _reset(client, "A200@example.com")
    unknown = _reset(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/sent/"
    done = client.get(known["Location"]).content.decode()
    assert "如果该邮箱登记在本站的账号上" in done
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["a200@example.com"]


def test_reset_link_from_the_mail_sets_a_new_password(
    client, mailed_member, mailoutbox, settings
):
    settings.PORTAL_BASE_URL = "https://dangjian.example.cn"
    _reset(client, "a200@example.com")
    body = mailoutbox[0].body
    link = re.search(
        r"https://dangjian\.example\.cn(/accounts/password/reset/\S+)", body
    ).group(1)
    form_page = client.get(link, follow=True)
    assert "设置新密码" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/complete/"
    assert login(client, mailed_member.user.username, NEW_PASSWORD)
    assert SecurityEvent.objects.filter(
        action="password_reset", user=mailed_member.user
    ).exists()
    # The link works once.
    client.logout()
    again = client.get(link, follow=True).content.decode()
    assert "链接已失效" in again


def test_reset_mail_reaches_members_not_yet_activated(client, imported, mailoutbox):
    imported[0].user.email = "wang@example.com"
    imported[0].user.save()
    _reset(client, "wang@example.com")
    assert len(mailoutbox) == 1


def test_reset_requests_are_rate_limited_for_any_address(
    client, mailed_member, mailoutbox
):
    for address in ["a200@example.com", "nobody@example.com"]:
        answers = [_reset(client, address, ip=f"10.8.{n}.1") for n in range(4)]
        assert [r.status_code for r in answers] == [302, 302, 302, 429]
        assert "尝试次数过多" in answers[-1].content.decode()
    assert len(mailoutbox) == 3
    flood = [_reset(client, f"x{n}@example.com", ip="10.9.9.9") for n in range(6)]
    assert flood[-1].status_code == 429


def test_bad_reset_input_is_a_chinese_400(client, db):
    response = _reset(client, "not-an-address")
    assert response.status_code == 400
    assert (
        "有效的电子邮件地址" in response.content.decode()
        or "邮件" in response.content.decode()
    )


# Passwords set by an administrator; the change page


def test_password_set_in_the_user_admin_must_be_changed_at_first_login(client, tree):
    site_admin = make_staff_user("站点管理员", username="guanli")
    member = MemberFactory(organization=tree["a"], member_no="A300")
    client.force_login(site_admin)
    edit_url = f"/admin/users/edit/{member.user.pk}/"
    form = client.get(edit_url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "groups"}
    data.update(
        {
            "username": member.user.username,
            "email": "a300@example.com",
            "first_name": "三百",
            "last_name": "甲",
            "is_active": "on",
            "password1": "Admin#set2026x",
            "password2": "Admin#set2026x",
            "groups": list(member.user.groups.values_list("pk", flat=True)),
        }
    )
    response = client.post(edit_url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert PasswordStatus.objects.get(user=member.user).must_change

    member_client = client.__class__()
    assert login(member_client, member.user.username, "Admin#set2026x")
    for url in ["/", "/school/me/", "/search/?q=x", "/admin/"]:
        response = member_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/accounts/password/change/"
    page = member_client.get("/accounts/password/change/")
    assert "管理员设置的" in page.content.decode()
    response = member_client.post(
        "/accounts/password/change/",
        {
            "old_password": "Admin#set2026x",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response["Location"] == "/accounts/password/change/done/"
    assert member_client.get("/").status_code == 200
    assert not PasswordStatus.objects.get(user=member.user).must_change


def test_every_signed_in_user_can_change_their_password(client, tree):
    member = MemberFactory(organization=tree["a"])
    client.force_login(member.user)
    home = client.get("/").content.decode()
    assert 'href="/me/"' in home  # the name in the header opens /me/
    assert 'href="/accounts/password/change/"' in client.get("/me/").content.decode()
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.get("/accounts/password/change/done/").status_code == 200
    member.user.refresh_from_db()
    assert member.user.check_password(NEW_PASSWORD)
    assert SecurityEvent.objects.filter(
        action="password_change", user=member.user
    ).exists()


def test_wrong_current_passwords_are_rate_limited(client, tree):
    member = MemberFactory(organization=tree["a"])
    client.force_login(member.user)
    data = {
        "old_password": "Wrong#pass2026",
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    statuses = [
        client.post("/accounts/password/change/", data).status_code for _ in range(6)
    ]
    assert statuses == [400] * 5 + [429]
    data["old_password"] = PASSWORD
    assert client.post("/accounts/password/change/", data).status_code == 429
    member.user.refresh_from_db()
    assert member.user.check_password(PASSWORD)


def test_login_page_links_to_activation_and_reset(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/activate/"' in html
    assert 'href="/accounts/password/reset/"' in html
    assert "请联系所在党支部管理员重置" not in html


def test_demo_accounts_get_demo_addresses(db):
    from members import demo

    demo.load()
    emails = dict(
        get_user_model()
        .objects.filter(username__in=["dangyuan", "HX00101"])
        .values_list("username", "email")
    )
    assert emails == {
        "dangyuan": "dangyuan@hongxing.example",
        "HX00101": "hx00101@hongxing.example",
    }


def test_member_form_sets_the_e_mail_address(branch_admin, imported):
    wang = imported[0]
    url = reverse("members_members:edit", args=[wang.pk])
    response = branch_admin.post(
        url,
        {
            "real_name": "王芳",
            "member_no": "A001",
            "organization": wang.organization.pk,
            "party_post": "党员",
            "joined_party_on": "",
            "phone": "13800000001",
            "email": "wang@example.com",
        },
    )
    assert response.status_code == 302
    wang.user.refresh_from_db()
    assert wang.user.email == "wang@example.com"


def test_a_code_used_twice_at_once_activates_once(transactional_db, tree):
    """Two requests with the same code at the same moment: exactly one sets a password."""
    import threading

    from django.db import connection

    from members.accounts.services import (
        ActivationFailed,
        activate_account,
        find_activation,
    )

    admin = make_staff_user("宣传员", scope=tree["a"], username="xc_race")
    member = create_member(real_name="并发", organization=tree["a"], member_no="R001")
    code = issue(member, admin)
    activation = find_activation("R001", code, request=None)
    barrier = threading.Barrier(4)
    outcomes = []

    def use(password):
        try:
            barrier.wait()
            activate_account(activation, password, request=None)
            outcomes.append(password)
        except ActivationFailed:
            outcomes.append(None)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=use, args=(f"{NEW_PASSWORD}{n}",)) for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [p for p in outcomes if p]
    assert len(outcomes) == 4 and len(winners) == 1
    member.user.refresh_from_db()
    assert member.user.check_password(winners[0])
    assert SecurityEvent.objects.filter(action="activation").count() == 1
