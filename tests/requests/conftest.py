"""Fixtures for the request tests: the console's officer."""

from tests.service.console.conftest import officer  # noqa: F401
