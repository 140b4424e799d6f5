"""The audit trail's filters: a GET form, so no CSRF token (it changes nothing).

Dates are GOV.UK date inputs (day, month, year). A date with a problem gets the GOV.UK message
on the first part that is wrong, and ``date_error_parts`` says which parts to highlight.
"""

from __future__ import annotations

from datetime import date

from wtforms import SelectField, StringField

from forms.base import ServiceForm

PARTS = ("day", "month", "year")


class AuditFilterForm(ServiceForm):
    class Meta:
        csrf = False

    # The views fill the choices through the Scope; a submitted value is checked again there.
    action = SelectField(choices=[], validate_choice=False)
    user = SelectField(choices=[], validate_choice=False)
    object_type = SelectField(choices=[], validate_choice=False)
    from_day = StringField()
    from_month = StringField()
    from_year = StringField()
    to_day = StringField()
    to_month = StringField()
    to_year = StringField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.date_from: date | None = None
        self.date_to: date | None = None
        self.date_error_parts: dict[str, tuple[str, ...]] = {}

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        ok = super().validate(extra_validators)
        self.date_from = self._date("from", "Date from")
        self.date_to = self._date("to", "Date to")
        if self.date_from and self.date_to and self.date_to < self.date_from:
            self._problem("to", PARTS, "Date to must be the same as or after date from")
            self.date_to = None
        return ok and not self.date_error_parts

    def _problem(self, prefix: str, parts: tuple[str, ...], message: str) -> None:
        self.date_error_parts[prefix] = parts
        self[f"{prefix}_{parts[0]}"].errors = [message]

    def _date(self, prefix: str, name: str) -> date | None:
        values = {part: (self[f"{prefix}_{part}"].data or "").strip() for part in PARTS}
        if not any(values.values()):
            return None
        missing = tuple(part for part in PARTS if not values[part])
        if missing:
            self._problem(prefix, missing, f"{name} must include a {' and '.join(missing)}")
            return None
        if not all(v.isdigit() for v in values.values()):
            self._problem(prefix, PARTS, f"{name} must be a real date")
            return None
        if len(values["year"]) != 4:
            self._problem(prefix, ("year",), "Year must include 4 numbers")
            return None
        try:
            return date(int(values["year"]), int(values["month"]), int(values["day"]))
        except ValueError:
            self._problem(prefix, PARTS, f"{name} must be a real date")
            return None
