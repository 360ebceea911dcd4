"""Demo surveys: an open members' survey with answers, a closed public one whose
results anyone reads; loading twice adds nothing."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from members import demo as members_demo
from surveys import demo
from surveys.models import Response, Survey

pytestmark = pytest.mark.django_db


def test_demo_surveys_and_their_results(client):
    members_demo.load()
    demo.load()
    demo.load()
    opened = Survey.objects.get(title=demo.OPEN_SURVEY["title"])
    closed = Survey.objects.get(title=demo.CLOSED_SURVEY["title"])
    assert opened.state() == "open" and closed.state() == "closed"
    assert opened.responses.count() == len(demo.OPEN_SURVEY["answers"])
    assert Response.objects.count() == 14
    results = client.get(reverse("surveys:results", args=[closed.pk]))
    assert results.status_code == 200
    counts = re.findall(r'data-count="(\d+)"', results.content.decode())
    assert counts[:3] == ["5", "2", "1"]  # 手机, 电脑, 平板
    client.force_login(get_user_model().objects.get(username="dangyuan"))
    page = client.get(reverse("surveys:answer", args=[opened.pk]))
    assert page.status_code == 200 and "提交答卷" in page.content.decode()
