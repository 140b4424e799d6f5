"""Text with control characters (a NUL, an escape) is refused with a field error on every form,
public or console, and never stored."""

from __future__ import annotations

import html
import importlib
import pkgutil

import flask_wtf
from sqlalchemy import func, select

import forms
from forms.base import ServiceForm, control_message, has_control
from service.models import Agency
from tests.console import post_form


def _all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _all_subclasses(sub)
    return found


def test_every_form_of_the_service_refuses_control_characters():
    for module in pkgutil.iter_modules(forms.__path__):
        importlib.import_module(f"forms.{module.name}")
    importlib.import_module("service.views.referral")
    ours = [
        cls
        for cls in _all_subclasses(flask_wtf.FlaskForm)
        if cls.__module__.startswith(("forms.", "service."))
    ]
    assert len(ours) > 30
    assert [cls for cls in ours if not issubclass(cls, ServiceForm)] == []


def test_which_characters_are_control_characters():
    assert has_control("a\x00b") and has_control("\x1b[2J") and has_control("\x7f")
    assert has_control(["fine", "not\x08fine"])
    assert not has_control("Line one\r\n\tLine two – with ‘quotes’ and émoji 🙂")
    assert not has_control(None) and not has_control(3)
    assert control_message() == (
        "The text you entered must not include hidden control characters: type it in again"
    )


def test_a_nul_in_a_console_form_is_an_error_and_nothing_is_stored(signed_in, session):
    new = "/console/agencies/new"
    before = session.scalar(select(func.count()).select_from(Agency))
    response = post_form(
        signed_in,
        new,
        {"name": "Exampleshire Fire\x00 and Rescue", "secure_addresses": "duty@nhs.net"},
    )
    assert response.status_code == 200
    body = html.unescape(response.get_data(as_text=True))
    assert "There is a problem" in body
    assert control_message() in body
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Agency)) == before


def test_a_nul_in_the_sign_in_form_is_an_error_not_a_failure(page_client):
    response = post_form(
        page_client, "/sign-in", {"email": "olive\x00@exampleshire.gov.uk", "password": "x"}
    )
    assert response.status_code == 200
    assert control_message() in html.unescape(response.get_data(as_text=True))
