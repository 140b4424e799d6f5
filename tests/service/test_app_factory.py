"""The app factory is where the app is put together: every blueprint is registered in one loop,
and every hook that runs around a request is one of those its ``init_app`` calls install."""

from __future__ import annotations

import functools
import inspect

from service import app as app_factory

#: Where each hook run around every request comes from.
HOOK_MODULES = {"flask_wtf.csrf", "flask_limiter", "service.uploads", "service.security"}


def _module(function) -> str:  # noqa: ANN001
    function = inspect.unwrap(function)
    if isinstance(function, functools.partial):
        function = function.func
    return getattr(function, "__module__", "") or ""


def test_every_app_wide_request_hook_comes_from_an_init_app_in_the_factory(page_app):
    hooks = [
        *page_app.before_request_funcs.get(None, []),
        *page_app.after_request_funcs.get(None, []),
        *page_app.teardown_request_funcs.get(None, []),
    ]
    unknown = sorted(
        {_module(h) for h in hooks if not any(_module(h).startswith(m) for m in HOOK_MODULES)}
    )
    assert unknown == []


def test_the_upload_size_limit_runs_before_every_other_hook(page_app):
    from service import uploads

    assert page_app.before_request_funcs[None][0] is uploads._apply_upload_limit


def test_every_blueprint_is_registered_from_the_one_list(page_app):
    listed = {bp.name for bp, _exempt in app_factory._blueprints()}
    assert set(page_app.blueprints) == listed
