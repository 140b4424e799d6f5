"""Fixtures for the form tests: the console's signed-in officer."""

from tests.service.console.conftest import officer, signed_in  # noqa: F401
