"""The consent pages' wording: the consent form's own words, the same on the pages as on the
signed form, and its messages in Welsh whole, never English pieces glued round Welsh ones."""

from __future__ import annotations

from forms import consent as consent_forms
from forms.questions import date_problem
from service.consent import documents
from service.i18n import speaking
from tests.consent.factories import VICTIM


def test_the_pages_show_the_signed_forms_own_words_in_english():
    # The signed form takes its words from the pages' own; its English stays English even
    # while a page speaks Welsh (the console reads it).
    english = consent_forms.statements(VICTIM)
    with speaking("cy"):
        assert documents.statements(VICTIM) == english
        assert consent_forms.statements(VICTIM) != english
        for name in consent_forms.CONSENT_TO:
            assert documents.consent_to(name, VICTIM) != consent_forms.consent_to(name, VICTIM)
        assert documents.choice_text(True) == "Yes, I give consent"
    for name in consent_forms.CONSENT_TO:
        assert consent_forms.consent_to(name, VICTIM) == documents.consent_to(name, VICTIM)
    for value in (True, False, None):
        assert consent_forms.answered(value) == documents.choice_text(value)


def test_the_date_on_the_form_is_checked_in_welsh():
    date = consent_forms.SIGNED_ON
    with speaking("cy"):
        assert date_problem({}, date)[0] == "Rhowch y dyddiad"
        assert date_problem({"day": "1", "month": "2"}, date)[0] == (
            "Rhaid i'r dyddiad gynnwys blwyddyn"
        )
        assert date_problem({"day": "31", "month": "2", "year": "2026"}, date)[0] == (
            "Rhaid i'r dyddiad fod yn ddyddiad go iawn"
        )
        assert date_problem({"year": "2026"}, consent_forms.DATE_OF_BIRTH)[0] == (
            "Rhaid i'r dyddiad geni gynnwys diwrnod a mis"
        )
        assert consent_forms.victim_required(VICTIM) == (
            f"Dewiswch a ydych yn rhoi caniatâd i rannu gwybodaeth am {VICTIM}"
        )
    # And in English, as before.
    assert date_problem({"day": "1", "month": "2"}, date)[0] == "The date must include a year"
    assert date_problem({}, consent_forms.DATE_OF_BIRTH)[0] == "Enter your date of birth"
