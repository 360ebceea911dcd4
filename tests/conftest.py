"""Fixtures shared by every test folder."""

import pytest


@pytest.fixture
def home_page(db):
    from home.models import HomePage

    return HomePage.objects.get()
