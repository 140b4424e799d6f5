"""The service's forms: Flask-WTF classes for the pages, marshmallow schemas for the API."""

from wtforms.fields.choices import SelectChoice


def options(pairs) -> list[SelectChoice]:  # noqa: ANN001
    """WTForms choices from (value, text) pairs; the catalogues keep plain pairs."""
    return [SelectChoice(value, text) for value, text in pairs]
