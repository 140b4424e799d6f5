"""The consent PDFs: the letter the police family liaison officer hands over, and the signed
form (the family member's own copy, and the one sent to the chair and the DHR officer).

The letter names no one but the person it is addressed to and the review panel's chair their
answer goes to (as the form names them, or that the chair is still to be appointed): it explains
what is being asked, gives the link (typeable, and as a QR code) and who to contact. The signed
form names the victim, as the form does, and nothing else of the case; only the copy sent to the
review carries the case reference.
"""

from __future__ import annotations

import enum

import segno

from forms import consent as consent_forms
from service import clock
from service.consent import language as family_language
from service.models import ConsentRequest, ConsentResponse, ConsentStatus, Partnership
from service.pdf import render_html, write_pdf

PDF_CONTENT_TYPE = "application/pdf"
ENGLISH = family_language.Voice("en")


class Agreement(enum.StrEnum):
    """What an answer agreed to, across the questions asked: a "given" status may be partial."""

    FULL = "full"  # yes to every question asked
    PARTIAL = "partial"  # yes to some, no to others
    NONE = "none"  # no to every question
    WITHDRAWN = "withdrawn"


AGREEMENT_HEADINGS = {
    Agreement.FULL: "Consent given",
    Agreement.PARTIAL: "Partial consent",
    Agreement.NONE: "Consent not given",
    Agreement.WITHDRAWN: "Consent withdrawn",
}
#: What each question is about, as a phrase after "information about".
ABOUT = {"victim_information": "{victim}", "suspect_information": "the suspect or perpetrator"}


def agreement(request: ConsentRequest, response: ConsentResponse) -> Agreement:
    if response.status is ConsentStatus.WITHDRAWN:
        return Agreement.WITHDRAWN
    answers = [value for _name, value in asked(request, response)]
    if all(answers):
        return Agreement.FULL
    return Agreement.PARTIAL if any(answers) else Agreement.NONE


def asked(request: ConsentRequest, response: ConsentResponse) -> list[tuple[str, bool]]:
    """Each question the family member was asked, with their answer (yes is True)."""
    pairs = [("victim_information", bool(response.victim_information))]
    if request.ask_about_suspect:
        pairs.append(("suspect_information", bool(response.suspect_information)))
    return pairs


def agreed_lines(request: ConsentRequest, response: ConsentResponse, victim: str) -> list[str]:
    """One line per question asked, saying exactly what was and was not agreed; none for a
    withdrawal."""
    if response.status is ConsentStatus.WITHDRAWN:
        return []
    return [
        f"Consent {'given' if value else 'not given'} to share information about "
        f"{ABOUT[name].format(victim=victim)}"
        for name, value in asked(request, response)
    ]


def about(
    request: ConsentRequest, response: ConsentResponse, victim: str, *, given: bool
) -> list[str]:
    """Whom the questions answered yes (``given``) or no were about: ``["Alice Example"]``."""
    if response.status is ConsentStatus.WITHDRAWN:
        return []
    return [
        ABOUT[name].format(victim=victim)
        for name, value in asked(request, response)
        if value is given
    ]


def heading(request: ConsentRequest, response: ConsentResponse) -> str:
    return AGREEMENT_HEADINGS[agreement(request, response)]


def statements(victim: str) -> list[str]:
    """The form's statements in English (``forms.consent`` holds them, in both languages)."""
    return ENGLISH.say(consent_forms.statements, victim)


def consent_to(name: str, victim: str) -> str:
    return ENGLISH.say(consent_forms.consent_to, name, victim)


def qr_svg(url: str) -> str:
    """The link as a QR code, an inline SVG (a PDF here loads nothing from outside itself)."""
    return segno.make(url, error="m").svg_inline(
        scale=4, border=4, dark="#0b0c0c", light="#ffffff", omitsize=False
    )


def letter_filename(request: ConsentRequest) -> str:
    return f"consent-letter-{request.id}.pdf"


def render_letter_html(
    request: ConsentRequest, *, partnership: Partnership, url: str, chair: str | None
) -> str:
    """``chair``: the review panel's chair the answer goes to, as the form names them
    (``service.consent.form_settings.chair_name``); None before one is appointed. In the family
    member's language, or side by side in each the partnership offers (``language``)."""
    code = url.rsplit("/", 1)[1]
    voices = family_language.voices(partnership, request.language)
    return render_html(
        "pdf/consent_letter.html",
        request=request,
        partnership=partnership,
        url=url,
        short_url=url.split("://", 1)[-1],
        code=code,
        qr=qr_svg(url),
        voices=voices,
        dates={v.code: clock.long_date(clock.now(), v.code) for v in voices},
        ask_about_suspect=request.ask_about_suspect,
        chair=chair,
    )


def render_letter_pdf(
    request: ConsentRequest, *, partnership: Partnership, url: str, chair: str | None
) -> bytes:
    """The letter for the family member, with their link (the request's current one)."""
    return write_pdf(render_letter_html(request, partnership=partnership, url=url, chair=chair))


def response_filename(response: ConsentResponse, reference: str | None = None) -> str:
    kind = "withdrawal" if response.status is ConsentStatus.WITHDRAWN else "consent-form"
    if reference:
        return f"{kind}-{reference}-{response.id}.pdf"
    return f"{kind}.pdf"


def review_languages(partnership: Partnership, request: ConsentRequest) -> list[str]:
    """The review's copy of a signed form: as the family member had it, with English beside it
    where it was in Welsh only (the review's officers and chair may read only English)."""
    codes = family_language.languages_of(partnership, request.language)
    return codes if "en" in codes else [*codes, "en"]


def render_response_html(
    response: ConsentResponse,
    request: ConsentRequest,
    *,
    partnership: Partnership,
    victim: str | None,
    reference: str | None = None,
    languages: list[str] | None = None,
) -> str:
    """``victim``: the victim's name, None if the case has none (each language then says "the
    person who died"). ``languages``: those the form is written in, side by side; the family
    member's (``service.consent.language``) unless given."""
    codes = languages or family_language.languages_of(partnership, request.language)
    voices = [family_language.Voice(code) for code in codes]
    victims = {v.code: victim or v("the person who died") for v in voices}
    return render_html(
        "pdf/consent_form.html",
        response=response,
        request=request,
        partnership=partnership,
        voices=voices,
        victims=victims,
        reference=reference,
        statements={v.code: v.say(consent_forms.statements, victims[v.code]) for v in voices},
        consent_to={
            v.code: {
                name: v.say(consent_forms.consent_to, name, victims[v.code])
                for name in consent_forms.CONSENT_TO
            }
            for v in voices
        },
        choice={
            v.code: {value: v.say(consent_forms.answered, value) for value in (True, False, None)}
            for v in voices
        },
        agreement=agreement(request, response).value,
        withdrawn=response.status is ConsentStatus.WITHDRAWN,
        signed_on={v.code: clock.long_date(response.signed_on, v.code) for v in voices},
        submitted={
            v.code: clock.long_moment(response.submitted_at or clock.now(), v.code) for v in voices
        },
    )


def render_response_pdf(
    response: ConsentResponse,
    request: ConsentRequest,
    *,
    partnership: Partnership,
    victim: str | None,
    reference: str | None = None,
    languages: list[str] | None = None,
) -> bytes:
    """The signed form (or the withdrawal) as a PDF. ``reference``: the case reference, for the
    copy that goes to the review; the family member's own copy has none."""
    return write_pdf(
        render_response_html(
            response, request, partnership=partnership, victim=victim, reference=reference,
            languages=languages,
        )
    )  # fmt: skip


def choice_text(value: bool | None) -> str:
    return ENGLISH.say(consent_forms.answered, value)
