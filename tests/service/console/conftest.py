"""Fixtures shared by the console page tests."""

from __future__ import annotations

import pytest

from service.models import Nation, Partnership, Role
from tests.console import make_user, sign_in


@pytest.fixture
def officer(session, partnership):
    return make_user(
        session, partnership, Role.OFFICER, email="olive.officer@exampleshire.gov.uk",
        name="Olive Officer",
    )  # fmt: skip


@pytest.fixture
def signed_in(page_client, officer):
    """The test client, signed in as the example partnership's officer."""
    assert sign_in(page_client, officer).status_code == 302
    return page_client


@pytest.fixture
def other(session):
    """A second partnership, whose objects the example's users must never reach."""
    p = Partnership(
        slug="otherton",
        name="Otherton CSP",
        nation=Nation.ENGLAND,
        secure_domains=["otherton.gov.uk"],
        inboxes={},
    )
    session.add(p)
    session.commit()
    return p
