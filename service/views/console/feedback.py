"""Drafts sent to the panel for comment, and the comments collated."""

from service.views.console import bp  # noqa: F401
