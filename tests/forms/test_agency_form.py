"""The agency form and its schema: what an officer types becomes the clean data the save takes."""

from __future__ import annotations

import pytest
from flask import Flask
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from forms.agency import (
    ADDRESSES_REQUIRED,
    ESCALATION_FORMAT,
    NAME_REQUIRED,
    NAME_TOO_LONG,
    AgencyForm,
    AgencySchema,
    bad_line,
    clean,
)
from service.models import Agency

GOOD = {
    "name": "  Exampleshire Fire and Rescue ",
    "secure_addresses": "Safeguarding@Exampleshire-Fire.GOV.UK\r\n\r\n  duty@nhs.net  \n",
    "escalation_contact": " Chief.Officer@Exampleshire-Fire.gov.uk ",
    "on_standard_trawl_list": True,
}


def test_schema_has_the_forms_field_names():
    with _app().test_request_context():
        english = AgencyForm(meta={"csrf": False})
        bilingual = AgencyForm(meta={"csrf": False}, languages=["cy", "en"])
    # The language of the agency's emails is asked only where there is a choice.
    assert {f.name for f in bilingual} == set(AgencySchema().fields)
    assert {f.name for f in english} == set(AgencySchema().fields) - {"language"}
    assert [choice.value for choice in bilingual.language.choices] == ["cy", "en"]


def test_load_splits_normalises_and_trims():
    assert AgencySchema().load(GOOD) == {
        "name": "Exampleshire Fire and Rescue",
        "secure_addresses": ["Safeguarding@exampleshire-fire.gov.uk", "duty@nhs.net"],
        "escalation_contact": "Chief.Officer@exampleshire-fire.gov.uk",
        "on_standard_trawl_list": True,
        "language": None,  # not asked: the agency keeps its language
    }


def test_load_drops_repeated_addresses_and_keeps_the_order():
    data = AgencySchema().load(
        {**GOOD, "secure_addresses": "b@nhs.net\na@x.gov.uk\nb@NHS.NET\n b@nhs.net"}
    )
    assert data["secure_addresses"] == ["b@nhs.net", "a@x.gov.uk"]


def test_load_accepts_a_list_of_addresses():
    data = AgencySchema().load({**GOOD, "secure_addresses": ["a@x.gov.uk", " "]})
    assert data["secure_addresses"] == ["a@x.gov.uk"]


def test_blank_escalation_contact_and_missing_checkbox():
    data = AgencySchema().load(
        {"name": "Police", "secure_addresses": "a@x.police.uk", "escalation_contact": "  "}
    )
    assert data["escalation_contact"] is None
    assert data["on_standard_trawl_list"] is False
    assert AgencySchema().load({**GOOD, "escalation_contact": None})["escalation_contact"] is None


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": "   "}, "name", NAME_REQUIRED),
        ({"name": "x" * 201}, "name", NAME_TOO_LONG),
        ({"secure_addresses": "\n \n"}, "secure_addresses", ADDRESSES_REQUIRED),
        ({"secure_addresses": "a@x.gov.uk\nxyz"}, "secure_addresses", bad_line("xyz")),
        ({"escalation_contact": "boss at example"}, "escalation_contact", ESCALATION_FORMAT),
    ],
)
def test_load_refuses_bad_data_with_the_gov_uk_message(change, field, message):
    with pytest.raises(ValidationError) as caught:
        AgencySchema().load({**GOOD, **change})
    assert caught.value.messages == {field: [message]}


def test_load_needs_the_name_and_addresses_and_refuses_unknown_fields():
    with pytest.raises(ValidationError) as caught:
        AgencySchema().load({"key": "police"})
    assert caught.value.messages == {
        "name": [NAME_REQUIRED],
        "secure_addresses": [ADDRESSES_REQUIRED],
        "key": ["Unknown field."],
    }


def test_bad_line_names_the_line():
    assert bad_line("xyz") == (
        "Enter each email address in the correct format, like name@example.gov.uk: 'xyz' is not"
    )


def test_dump_gives_the_edit_forms_starting_data():
    agency = Agency(
        name="Exampleshire Police",
        secure_addresses=["a@example.police.uk", "b@example.police.uk"],
        escalation_contact=None,
        on_standard_trawl_list=True,
        language=None,
    )
    dumped = AgencySchema().dump(agency)
    assert dumped == {
        "name": "Exampleshire Police",
        "secure_addresses": "a@example.police.uk\nb@example.police.uk",
        "escalation_contact": None,
        "on_standard_trawl_list": True,
        "language": None,
    }
    assert AgencySchema().load(dumped)["secure_addresses"] == agency.secure_addresses


def _app() -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=False)
    return app


def _form(data: dict[str, str]) -> AgencyForm:
    form = AgencyForm(formdata=MultiDict(data))
    form.validate()
    return form


def test_form_and_clean_give_the_same_data_as_the_schema():
    with _app().test_request_context(method="POST"):
        form = _form({**GOOD, "on_standard_trawl_list": "y"})
        assert form.errors == {}
        assert clean(form) == AgencySchema().load(GOOD)


def test_unticked_checkbox_is_false():
    with _app().test_request_context(method="POST"):
        form = _form({k: v for k, v in GOOD.items() if k != "on_standard_trawl_list"})
        assert form.errors == {}
        assert clean(form)["on_standard_trawl_list"] is False


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": " "}, "name", NAME_REQUIRED),
        ({"name": "x" * 201}, "name", NAME_TOO_LONG),
        ({"secure_addresses": ""}, "secure_addresses", ADDRESSES_REQUIRED),
        ({"secure_addresses": "a@x.gov.uk\nxyz"}, "secure_addresses", bad_line("xyz")),
        ({"escalation_contact": "@example.gov.uk"}, "escalation_contact", ESCALATION_FORMAT),
    ],
)
def test_form_gives_the_same_messages(change, field, message):
    with _app().test_request_context(method="POST"):
        form = _form({**GOOD, **change})
        assert form.errors == {field: [message]}
