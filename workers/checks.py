"""Imports every module that registers a deadline check, so each sweep runs them all.

Add a feature's checks module to ``MODULES``.
"""

from __future__ import annotations

import importlib

MODULES: tuple[str, ...] = (
    "workers.referral_checks",
    "workers.request_checks",
    "workers.panel_checks",
    "workers.feedback_checks",
    "workers.summary_checks",
    "workers.link_checks",
    "workers.action_checks",
    "workers.retention_checks",
    "workers.review_checks",
    "workers.bounce_checks",
)


def load() -> None:
    for name in MODULES:
        importlib.import_module(name)
