"""Fixtures for the action plan tests: the console's signed-in officer and a second partnership."""

from tests.service.console.conftest import officer, other, signed_in  # noqa: F401
