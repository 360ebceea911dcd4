"""The letters admin (a Wagtail ModelViewSet) per role: list, filters, page, export and
every step answer within the user's mailboxes and 403 outside them."""

import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook

from mailbox import services
from mailbox.admin_views import STEPS
from mailbox.models import Letter, LetterStatus
from members.models import SecurityEvent
from tests.mailbox.factories import LetterFactory
from tests.members.factories import UserFactory

INDEX = "mailbox_letters:index"


@pytest.fixture
def letters(submit, other_mailbox):
    ours, _ = submit(subject="本信箱来信")
    theirs, _ = submit(subject="别的信箱来信", mailbox=other_mailbox, ip="192.0.2.11")
    return ours, theirs


@pytest.fixture
def mailbox_admin(db, shipped_data):
    user = UserFactory(username="xinxiang_admin", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="manage_all_letters"),
    )
    return user


def listing(client, **params) -> str:
    response = client.get(reverse(INDEX), params)
    assert response.status_code == 200
    return response.content.decode()


def export_text(client, fmt, **params) -> str:
    response = client.get(reverse(INDEX), {"export": fmt, **params})
    assert response.status_code == 200
    if fmt == "csv":
        return b"".join(response.streaming_content).decode("utf-8-sig")
    rows = load_workbook(io.BytesIO(response.content)).active.iter_rows(
        values_only=True
    )
    return "\n".join(",".join(str(c) for c in row if c is not None) for row in rows)


@pytest.mark.parametrize(
    "who,sees,hidden",
    [
        ("handler", "本信箱来信", "别的信箱来信"),
        ("leader", "本信箱来信", "别的信箱来信"),
        ("other_handler", "别的信箱来信", "本信箱来信"),
        ("other_leader", "别的信箱来信", "本信箱来信"),
    ],
)
def test_each_role_lists_pages_and_exports_its_own_mailbox_only(
    client, request, letters, who, sees, hidden
):
    client.force_login(request.getfixturevalue(who))
    html = listing(client)
    assert sees in html and hidden not in html
    ours, theirs = letters
    mine, other = (ours, theirs) if sees == "本信箱来信" else (theirs, ours)
    assert (
        client.get(reverse("mailbox_letters:inspect", args=[mine.pk])).status_code
        == 200
    )
    refused = client.get(reverse("mailbox_letters:inspect", args=[other.pk]))
    assert refused.status_code == 403
    assert "不属于您办理或领导的信箱" in refused.content.decode()
    for fmt in ("csv", "xlsx"):
        text = export_text(client, fmt)
        assert mine.tracking_number in text and other.tracking_number not in text


def test_mailbox_administrators_see_every_mailbox(client, letters, mailbox_admin):
    client.force_login(mailbox_admin)
    html = listing(client)
    assert "本信箱来信" in html and "别的信箱来信" in html
    text = export_text(client, "csv")
    assert all(letter.tracking_number in text for letter in letters)


def test_staff_without_a_mailbox_get_403_on_every_letter_url(client, reviewer, letters):
    ours, _ = letters
    client.force_login(reviewer)
    urls = [
        reverse(INDEX),
        reverse(INDEX) + "?export=xlsx",
        reverse("mailbox_letters:index_results"),
        reverse("mailbox_letters:inspect", args=[ours.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "您没有使用领导信箱的权限" in response.content.decode()
    for name in [*STEPS, "contact"]:
        url = reverse(f"mailbox_letters:{name}", args=[ours.pk])
        assert client.post(url, {"body": "x", "text": "x"}).status_code == 403, name
    ours.refresh_from_db()
    assert (
        ours.status == LetterStatus.PENDING
        and not ours.events.filter(action="note").exists()
    )


def test_the_menu_shows_letters_only_to_their_audience(
    client, mailbox, handler, reviewer
):
    client.force_login(handler)
    assert reverse(INDEX) in client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(reviewer)
    assert (
        reverse(INDEX) not in client.get(reverse("wagtailadmin_home")).content.decode()
    )


@pytest.mark.parametrize("step", list(STEPS))
def test_no_step_reaches_another_mailboxs_letter(client, handler, letters, step):
    _, theirs = letters
    client.force_login(handler)
    response = client.post(
        reverse(f"mailbox_letters:{step}", args=[theirs.pk]),
        {"reason": "duplicate", "text": "x", "body": "x", "comment": "x"},
    )
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == LetterStatus.PENDING
    assert list(theirs.events.values_list("action", flat=True)) == ["submit"]


def test_steps_take_post_only(client, handler, letters):
    ours, _ = letters
    client.force_login(handler)
    for step in STEPS:
        url = reverse(f"mailbox_letters:{step}", args=[ours.pk])
        assert client.get(url).status_code == 405, step


def test_a_leader_reads_but_does_not_handle(client, leader, letters):
    ours, _ = letters
    client.force_login(leader)
    page = client.get(reverse("mailbox_letters:inspect", args=[ours.pk]))
    assert "受理</button>" not in page.content.decode()
    response = client.post(reverse("mailbox_letters:accept", args=[ours.pk]))
    assert response.status_code == 403
    ours.refresh_from_db()
    assert ours.status == LetterStatus.PENDING


def test_each_step_runs_its_service_for_the_handler_and_the_leader(
    client, handler, leader, letters
):
    ours, _ = letters
    client.force_login(handler)

    def post(step, **data):
        response = client.post(reverse(f"mailbox_letters:{step}", args=[ours.pk]), data)
        assert response.status_code == 302, step
        assert response["Location"] == reverse(
            "mailbox_letters:inspect", args=[ours.pk]
        )
        ours.refresh_from_db()
        return ours

    assert post("accept").status == LetterStatus.ACCEPTED
    post("note", text="已电话联系来信人")
    assert ours.events.filter(action="note").exists()
    assert post("draft", body="按月工资收入计算。").status == LetterStatus.IN_PROGRESS
    reply = ours.replies.get()
    client.force_login(leader)
    post("return", reply=reply.pk, comment="请写明依据")
    reply.refresh_from_db()
    assert reply.status == "returned"
    client.force_login(handler)
    post("draft", body="依据党费收缴规定，按月工资收入计算。")
    client.force_login(leader)
    awaiting = ours.replies.get(status="awaiting")
    assert post("sign_off", reply=awaiting.pk).status == LetterStatus.REPLIED
    client.force_login(handler)
    assert post("close").status == LetterStatus.CLOSED


def test_a_refused_step_is_a_message_not_an_error(client, handler, letters):
    ours, _ = letters
    client.force_login(handler)
    response = client.post(
        reverse("mailbox_letters:close", args=[ours.pk]), follow=True
    )
    assert response.status_code == 200
    assert "不能办结" in response.content.decode()


def test_filters_and_search(client, handler, submit, letters):
    ours, _ = letters
    late, _ = submit(subject="逾期未办来信", ip="192.0.2.12")
    Letter.objects.filter(pk=late.pk).update(due_date=datetime.date(2020, 1, 2))
    services.accept_letter(ours, by=handler)
    client.force_login(handler)
    assert "逾期未办来信" not in listing(client, status="accepted")
    assert "本信箱来信" in listing(client, status="accepted")
    overdue = listing(client, flag="overdue")
    assert "逾期未办来信" in overdue and "本信箱来信" not in overdue
    assert "已超期" in overdue
    assert "逾期未办来信" in listing(client, q=late.tracking_number)
    assert "本信箱来信" not in listing(client, q="逾期")
    today = datetime.date.today().isoformat()
    assert "本信箱来信" in listing(client, date_from=today, date_to=today)
    assert "本信箱来信" not in listing(client, date_to="2020-01-01")
    assert "本信箱来信" in listing(client, mailbox=ours.mailbox_id)
    text = export_text(client, "csv", flag="overdue")
    assert late.tracking_number in text and ours.tracking_number not in text


@pytest.mark.parametrize(
    "params,name",
    [
        ({"status": "lost"}, "status"),
        ({"flag": "x"}, "flag"),
        ({"date_from": "2026-02-30"}, "date"),
        ({"date_from": "1900-01-01"}, "date"),
        ({"mailbox": "9" * 25}, "mailbox"),
    ],
)
def test_a_forged_filter_is_a_400_naming_it(client, handler, letters, params, name):
    client.force_login(handler)
    for extra in ({}, {"export": "csv"}):
        response = client.get(reverse(INDEX), {**params, **extra})
        assert response.status_code == 400
        assert f"参数 {name}" in response.content.decode()


def test_another_mailbox_is_no_choice_in_the_filter(
    client, handler, letters, other_mailbox
):
    client.force_login(handler)
    html = listing(client)
    assert "总经理信箱" not in html
    response = client.get(reverse(INDEX), {"mailbox": other_mailbox.pk})
    assert response.status_code == 400


def test_wagtails_pagination_with_the_filters_kept(client, handler, submit, letters):
    ours, _ = letters
    copies = [
        Letter(
            mailbox=ours.mailbox,
            letter_type=ours.letter_type,
            subject=f"批量来信{n:02d}",
            content="内容",
            tracking_number=f"{ours.tracking_number}-{n:02d}",
            query_code_hash="x",
            privacy_accepted_at=ours.privacy_accepted_at,
            submitted_at=ours.submitted_at - datetime.timedelta(minutes=n),
            due_date=ours.due_date,
        )
        for n in range(1, 31)
    ]
    Letter.objects.bulk_create(copies)
    client.force_login(handler)
    first = listing(client, status="pending")
    assert "批量来信29" in first and "批量来信30" not in first
    second = listing(client, status="pending", p=2)
    assert "批量来信30" in second and "批量来信01" not in second
    assert "status=pending" in first  # the pager keeps the filter
    assert listing(client, p="9" * 25)  # past the end: the last page


def test_export_is_formula_safe_and_audited(client, handler, submit):
    submit(subject='=HYPERLINK("x")', ip="192.0.2.13")
    client.force_login(handler)
    text = export_text(client, "csv")
    assert "'=HYPERLINK" in text
    xlsx = export_text(client, "xlsx")
    assert "'=HYPERLINK" in xlsx
    events = SecurityEvent.objects.filter(action=SecurityEvent.Action.EXPORT)
    assert events.count() == 2
    assert all(e.user == handler and "来信列表" in e.detail for e in events)


def test_the_list_and_its_export_cost_the_same_queries_for_3_and_25_letters(
    client, handler, letters
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ours, _ = letters
    client.force_login(handler)
    LetterFactory.create_batch(2, mailbox=ours.mailbox)
    listing(client)  # the first request fills the caches (content types, site)
    counts = []
    for more in (0, 22):
        LetterFactory.create_batch(more, mailbox=ours.mailbox)
        with CaptureQueriesContext(connection) as page:
            listing(client)
        with CaptureQueriesContext(connection) as export:
            export_text(client, "xlsx")
        counts.append((len(page), len(export)))
    print("queries (list, export) for 3 and 25 letters:", counts)  # noqa: T201
    assert counts[0] == counts[1]
