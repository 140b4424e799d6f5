"""Panel meetings: members, meetings, papers and their delivery."""

from service.views.console import bp  # noqa: F401
