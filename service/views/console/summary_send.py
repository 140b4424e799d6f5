"""Sending a case's collated summary to chosen secure recipients (the sub-group)."""

from service.views.console import bp  # noqa: F401
