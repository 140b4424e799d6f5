"""Referrals for a Domestic Homicide Review: drafts, submission, and the officer's decision.

Importing the package registers the messages they send (web, workers and the CLI alike).
"""

from service.referrals import drafts, submission  # noqa: F401
