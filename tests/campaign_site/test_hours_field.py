"""Durations asked in hours, as organisers think of them."""

from datetime import timedelta

import pytest
from django import forms

from campaign_site.core.forms import HoursField


class RetryForm(forms.Form):
    retry_delay = HoursField()


@pytest.mark.parametrize(
    ("typed", "duration"),
    [
        ("4", timedelta(hours=4)),
        ("1.5", timedelta(hours=1, minutes=30)),
        (" 0.25 ", timedelta(minutes=15)),
        ("04:00:00", timedelta(hours=4)),  # Django's own form, still understood
        ("01:30:00", timedelta(hours=1, minutes=30)),
    ],
)
def test_hours_typed_become_a_duration(typed, duration):
    form = RetryForm({"retry_delay": typed})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["retry_delay"] == duration


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("four", "Enter a number of hours, such as 4 or 1.5."),
        ("0", "Enter at least 0.25 hours."),
        ("400", "Enter no more than 336 hours."),
    ],
)
def test_what_is_not_a_sensible_number_of_hours_is_refused(typed, error):
    form = RetryForm({"retry_delay": typed})

    assert not form.is_valid()
    assert form.errors["retry_delay"] == [error]


def test_a_saved_duration_is_shown_in_hours():
    html = str(RetryForm(initial={"retry_delay": timedelta(hours=4)})["retry_delay"])

    assert 'value="4"' in html and 'inputmode="decimal"' in html
    assert RetryForm(initial={"retry_delay": timedelta(minutes=90)})["retry_delay"].value()
