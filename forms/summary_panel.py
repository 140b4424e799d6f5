"""The officer's choice of agencies to recommend for the panel, on the collated summary.

The checkboxes offer the case partnership's agencies; the view checks each ticked id again
through the user's Scope. "Use the recommendation" clears the choice (the agencies with
involvement are recommended again); saving with nothing ticked is refused with
``AGENCIES_REQUIRED``.
"""

from __future__ import annotations

from wtforms import SelectMultipleField

from forms.base import ServiceForm

AGENCIES_REQUIRED = (
    "Select at least one agency to recommend, or use the recommendation from the returns"
)


class PanelAgenciesForm(ServiceForm):
    agencies = SelectMultipleField(choices=[], validate_choice=False)
