"""WTForms' own messages follow the page's language, read from its catalogue once a language."""

from __future__ import annotations

from flask_babel import force_locale
from wtforms import IntegerField

from forms import base
from forms.base import ServiceForm
from tests.service.conftest import page_app  # noqa: F401


class _Form(ServiceForm):
    class Meta:
        csrf = False

    count = IntegerField()


def test_wtforms_own_messages_are_in_the_page_language(page_app):  # noqa: F811
    base._wtforms_catalogue.cache_clear()
    with page_app.test_request_context(method="POST", data={"count": "lots"}):
        with force_locale("en"):
            english = _Form()
            assert not english.validate()
        with force_locale("cy"):
            welsh = _Form()
            assert not welsh.validate()
            again = _Form()
            again.validate()

    assert english.count.errors == ["Not a valid integer value."]
    assert welsh.count.errors and welsh.count.errors != english.count.errors
    assert again.count.errors == welsh.count.errors
    # Each language's catalogue was read from disk once, however many forms used it.
    assert base._wtforms_catalogue.cache_info().misses == 2
