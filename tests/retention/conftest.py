"""Fixtures for the retention tests: the console's officer and signed-in client."""

from tests.service.console.conftest import officer, other, signed_in  # noqa: F401
