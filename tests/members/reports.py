"""Checks shared by the tests of the admin reports built on members.reports
(信箱统计, 新闻发布统计, 学习统计 …).

rows = csv_rows(client.get(url, {"export": "csv"}))
assert_refused(client, urls, role=role, message="您没有查看信箱统计的权限", hidden="…")
"""

import csv
import io

from members.models import SecurityEvent
from members.roles import MEMBER


def csv_rows(response) -> list[list[str]]:
    """The rows of a streamed CSV export (UTF-8 with the BOM Excel wants)."""
    return list(csv.reader(io.StringIO(b"".join(response).decode("utf-8-sig"))))


def assert_refused(client, urls, *, role: str, message: str, hidden: str) -> None:
    """Every URL refuses the client's user of this role: 403 with the report's
    message, or for a 党员 (no admin access at all) the way to the login page; none
    shows the text hidden, and nothing is exported."""
    for url in urls:
        response = client.get(url)
        if role == MEMBER:
            assert response.status_code == 302, url
        else:
            assert response.status_code == 403, url
            assert message in response.content.decode()
        assert hidden not in response.content.decode()
    assert not SecurityEvent.objects.filter(action="export").exists()
