"""The service's forms: each form's catalogue of questions (plain data, read by the domain and
the workers too), the question engine in ``questions``, and the Flask-WTF pages built from them
(``question_forms`` and the form modules' page classes)."""

from __future__ import annotations

from typing import Any


def options(pairs) -> list[Any]:  # noqa: ANN001
    """WTForms choices from (value, text) pairs; the catalogues keep plain pairs."""
    # Imported here, so that importing a catalogue does not import WTForms.
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice(value, text) for value, text in pairs]
