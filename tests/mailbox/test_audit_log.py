"""Wagtail's site history shows letter and board events only to those who may see them."""

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from openpyxl import load_workbook

from mailbox import services
from mailbox.models import BoardCategory
from members.models import ScopedModelLogEntry
from tests.members.factories import UserFactory, make_site_admin

SITE_HISTORY = "/admin/reports/site-history/"


@pytest.fixture
def letters(submit, mailbox, other_mailbox, handler, other_handler):
    handler.first_name, other_handler.first_name = "甲办理", "乙办理"
    handler.save()
    other_handler.save()
    ours, _ = submit(subject="本信箱来信")
    theirs, _ = submit(mailbox=other_mailbox, subject="他信箱来信", ip="192.0.2.11")
    services.accept_letter(ours, by=handler)
    services.accept_letter(theirs, by=other_handler)
    return ours, theirs


def export_rows(client, fmt, **params):
    response = client.get(SITE_HISTORY, {"export": fmt, **params})
    assert response.status_code == 200
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    if fmt == "csv":
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(body)).active
    return [[str(c) if c is not None else "" for c in row] for row in sheet.values]


def test_handler_sees_only_the_events_of_their_own_mailbox(client, letters, handler):
    ours, theirs = letters
    client.force_login(handler)
    html = client.get(SITE_HISTORY).content.decode()
    assert ours.tracking_number in html
    assert theirs.tracking_number not in html
    assert "乙办理" not in html and "handler2" not in html
    results = client.get(SITE_HISTORY + "results/").content.decode()
    assert ours.tracking_number in results and theirs.tracking_number not in results


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_site_history_exports_are_scoped(client, letters, handler, fmt):
    ours, theirs = letters
    client.force_login(handler)
    text = "\n".join(",".join(row) for row in export_rows(client, fmt))
    assert ours.tracking_number in text
    assert theirs.tracking_number not in text and "乙办理" not in text


def test_filters_neither_list_nor_reveal_other_mailboxes(
    client, letters, handler, other_handler
):
    _, theirs = letters
    client.force_login(handler)
    response = client.get(SITE_HISTORY)
    user_choices = {
        str(label)
        for _, label in response.context["filters"].form["user"].field.choices
    }
    assert "乙办理" not in " ".join(user_choices)
    # Asking for another mailbox's handler or tracking number by hand finds nothing.
    rows = export_rows(client, "csv", user=other_handler.pk)
    assert not any(theirs.tracking_number in ",".join(r) for r in rows)
    rows = export_rows(client, "csv", label=theirs.tracking_number)
    assert len(rows) == 1  # the heading only


def test_a_transferred_letter_leaves_the_old_mailbox_history(
    client, submit, letters, handler, other_mailbox
):
    moved, _ = submit(subject="转办的信", ip="192.0.2.12")
    services.transfer_letter(moved, by=handler, to=other_mailbox)
    client.force_login(handler)
    html = client.get(SITE_HISTORY).content.decode()
    assert moved.tracking_number not in html


def test_leader_sees_their_mailbox_only_and_site_admin_sees_all(
    client, letters, leader
):
    ours, theirs = letters
    client.force_login(leader)
    html = client.get(SITE_HISTORY).content.decode()
    assert ours.tracking_number in html and theirs.tracking_number not in html
    client.force_login(make_site_admin(username="site_admin"))
    html = client.get(SITE_HISTORY).content.decode()
    assert ours.tracking_number in html and theirs.tracking_number in html


def test_board_events_are_for_moderators_only(client, member, reviewer, handler):
    message = services.post_message(
        author=member.user,
        category=BoardCategory.objects.first(),
        title="食堂意见",
        body="建议增加窗口",
        anonymous=False,
    )
    services.approve_message(message, by=reviewer)
    client.force_login(reviewer)
    assert "食堂意见" in client.get(SITE_HISTORY).content.decode()
    client.force_login(handler)
    assert "食堂意见" not in client.get(SITE_HISTORY).content.decode()


def test_staff_with_no_rights_get_403(client, letters):
    nobody = UserFactory(username="no_rights")
    nobody.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(nobody)
    for url in [SITE_HISTORY, SITE_HISTORY + "results/"]:
        response = client.get(url)
        assert response.status_code == 403
        assert "无权访问" in response.content.decode()
    response = client.get(SITE_HISTORY, {"export": "csv"})
    assert response.status_code == 403


def test_members_without_admin_access_never_reach_it(client, letters, member):
    assert not member.user.groups.filter(
        pk__in=Group.objects.filter(permissions__codename="access_admin")
    ).exists()
    client.force_login(member.user)
    response = client.get(SITE_HISTORY, {"export": "csv"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_letter_events_are_logged_through_the_scoped_log(letters):
    ours, _ = letters
    entries = ScopedModelLogEntry.objects.for_instance(ours)
    assert {e.action for e in entries} >= {"mailbox.submit", "mailbox.accept"}
