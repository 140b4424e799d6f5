"""Fixtures for the IMR tests: the console's signed-in officer, a second partnership, and the
real clamd of the upload tests."""

from tests.service.console.conftest import officer, other, signed_in  # noqa: F401
from tests.uploads.conftest import clamd_socket, scanner  # noqa: F401
