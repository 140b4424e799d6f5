"""The collated summary of a case's returns: page, exports and sending."""

from service.views.console import bp  # noqa: F401
