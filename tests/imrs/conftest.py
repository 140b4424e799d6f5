"""Fixtures for the IMR tests: the console's signed-in officer, a second partnership, the real
clamd of the upload tests, and a Welsh agency's browser on its IMR link."""

import pytest

from service import clock
from service.models import Case
from tests.imrs.factories import ANSWERING_AT, requested_imr
from tests.imrs.filling import open_link
from tests.service.console.conftest import officer, other, signed_in  # noqa: F401
from tests.uploads.conftest import clamd_socket, scanner  # noqa: F401


@pytest.fixture
def answering():
    with clock.frozen_at(ANSWERING_AT) as moment:
        yield moment


@pytest.fixture
def welsh_client(page_client, session, dyffryn, answering):
    req = requested_imr(session, dyffryn, agency_key="social-services")
    session.commit()
    assert req.agency.language == "cy"
    open_link(page_client, session, req)
    page_client.imr_request_id = req.id
    page_client.case = session.get(Case, req.case_id)
    return page_client
