"""The "What if..." form: a scenario's area, start month and inputs, prefilled from realized data."""

from __future__ import annotations

from typing import Any

from django import forms

from scenarios.models import Scenario
from scenarios.selectors import service_areas
from scenarios.services import INPUT_FIELDS


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m")


class ScenarioForm(forms.ModelForm):
    """Area, name, start month and the user-entered inputs; the model's rules give the messages."""

    start_month = forms.DateField(
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=MonthInput(),
        help_text="The first month of the new plan (YYYY-MM).",
    )

    class Meta:
        model = Scenario
        fields = ["service_area", "name", "start_month", *INPUT_FIELDS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["service_area"]
        assert isinstance(area, forms.ModelChoiceField), "a foreign key's form field"
        area.queryset = service_areas()
        for name in ("managed_fee", "onboarding_charges", "one_time_costs"):
            self.fields[name].widget.attrs.update(step="0.01", min="0", inputmode="decimal")
        for name in ("credit_pct", "managed_overhead_pct", "hours_kept_pct"):
            self.fields[name].widget.attrs.update(step="0.001", min="0", max="100", inputmode="decimal")
        self.fields["onboarding_months"].widget.attrs.update(min="0", max="12")
        # The fee replaces all the work the plan moves to the provider, not only today's managed scope.
        self.fields["managed_fee"].help_text = "The provider's monthly fee for all the work the plan moves to it."
