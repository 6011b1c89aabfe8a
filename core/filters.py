"""The FilterSet every list uses, pages and API alike: hostile input is a form error (400), never a 500.

django-filter builds a form from the declared filters; this base mixes `GuardedFilterForm` into that form
whatever the subclass's `Meta.form`, so a new FilterSet is safe by construction. After the fields' own
cleaning, the form refuses, field by field:

- a list where one value is expected (`?store=1&store=2`);
- an ID or number written with anything but the ASCII digits 0-9 (`²`, `٣`), or beyond PostgreSQL's
  bigint (`99999999999999999999999`);
- a date or time a time-zone-aware datetime cannot hold after a day of arithmetic (`0001-01-01`,
  `9999-12-31`): the filters turn dates into day boundaries in the site's zone.

Method filters that parse text themselves use `parse_id()` (or `validate_id_or_text` as a field
validator) so they apply the same rule.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

BIGINT_MAX = 2**63 - 1
# A day of margin on each side: a date becomes a day's start (and the next day's) in a zone up to ±14 h.
DATE_MIN = date.min + timedelta(days=2)
DATE_MAX = date.max - timedelta(days=2)

_ID = re.compile(r"[0-9]{1,19}")
_NUMBER = re.compile(r"-?[0-9]{1,19}(\.[0-9]{1,19})?")

ONE_VALUE = _("Give one value, not a list.")
BAD_ID = _("Enter an ID written with the digits 0-9 (at most 19 of them).")
BAD_NUMBER = _("Enter a number written with the digits 0-9, at most 19 digits long.")
PAGE_MAX = 10**9
BAD_PAGE = _("Enter a page number written with the digits 0-9, from 1 to 1000000000.")
BAD_PAGE_SIZE = _("Enter a page size written with the digits 0-9, from 1 (larger sizes count as the maximum).")
BAD_DATE = _("Enter a date from 0001-01-03 to 9999-12-29, written with the digits 0-9.")  # DATE_MIN, DATE_MAX


def parse_id(value) -> int | None:
    """`value` as a database ID (ASCII digits, within bigint), or None when it is not one."""
    text = str(value).strip() if value is not None else ""
    if not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if number <= BIGINT_MAX else None


def query_int(data, name: str, *, message, high: int = PAGE_MAX) -> int | None:
    """The query parameter `name` of `data` (a QueryDict) as an int in 1..high; None when absent or empty.
    A list, anything but ASCII digits, 0 or more than `high` raise a ValidationError (`message`)."""
    values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
    values = [v for v in values if v not in (None, "")]
    if not values:
        return None
    if len(values) > 1:
        raise ValidationError({name: [ONE_VALUE]})
    text = str(values[0]).strip()
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(high)) and 1 <= int(text) <= high):
        raise ValidationError({name: [message]})
    return int(text)


def validate_id_or_text(value) -> None:
    """For a field that takes a name or an ID: digits of any script must make a valid ASCII ID."""
    text = (value or "").strip()
    if text and text.isdigit() and parse_id(text) is None:
        raise ValidationError(BAD_ID, code="invalid_id")


def _multi_valued(field: forms.Field) -> bool:
    return isinstance(field, (forms.MultipleChoiceField, forms.MultiValueField)) or getattr(
        field.widget, "allow_multiple_selected", False
    )


def _integer_ids(field: forms.ModelChoiceField) -> bool:
    """True when the field's choices are looked up by an integer column (the usual ID)."""
    if field.queryset is None:
        return False
    meta = field.queryset.model._meta
    target = meta.get_field(field.to_field_name) if field.to_field_name else meta.pk
    while isinstance(target, models.ForeignKey):
        target = target.target_field
    return isinstance(target, models.IntegerField)


def _raw_problem(field: forms.Field, raw: str):
    """The message for a raw (uncleaned) value the field's type cannot take safely, or None."""
    text = raw.strip()
    if not text:
        return None
    if isinstance(field, forms.ModelChoiceField):
        return BAD_ID if _integer_ids(field) and parse_id(text) is None else None
    if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
        return None if _NUMBER.fullmatch(text) else BAD_NUMBER
    if isinstance(field, (forms.DateField, forms.DateTimeField)):
        return None if text.isascii() else BAD_DATE
    return None


def _cleaned_problem(value: object):
    """The message for a cleaned value out of the safe range, or None."""
    if isinstance(value, slice):  # range filters
        return _cleaned_problem(value.start) or _cleaned_problem(value.stop)
    if isinstance(value, date):
        day = value.date() if isinstance(value, datetime) else value
        return None if DATE_MIN <= day <= DATE_MAX else BAD_DATE
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return None if -BIGINT_MAX <= value <= BIGINT_MAX else BAD_NUMBER
    return None


class GuardedFilterForm(forms.Form):
    """A filter form that refuses lists for scalars, non-ASCII or oversized IDs and numbers, and dates
    out of a datetime's reach (see the module docstring)."""

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return
        for name, field in self.fields.items():
            problem = self._problem(name, field)
            if problem and name not in self.errors:
                self.add_error(name, problem)

    def _problem(self, name: str, field: forms.Field):
        key = self.add_prefix(name)
        values = self.data.getlist(key) if hasattr(self.data, "getlist") else [self.data.get(key)]
        values = [v for v in values if v is not None]
        if len(values) > 1 and not _multi_valued(field):
            return ONE_VALUE
        raw = values[0] if values and isinstance(values[0], str) else None
        problem = _raw_problem(field, raw) if raw is not None else None
        return problem or _cleaned_problem(self.cleaned_data.get(name))


class YesNoAll(forms.Select):
    """A yes/no filter's choice as a person reads it: 全部 / 是 / 否 (Django's own says "unknown" for "all")."""

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))])


class FilterSet(django_filters.FilterSet):
    """The project's FilterSet: every app's filtersets derive from it (a test checks), so their forms
    are `GuardedFilterForm`s whatever `Meta.form` says, and yes/no filters offer 全部 / 是 / 否."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for spec in self.filters.values():
            if isinstance(spec, django_filters.BooleanFilter) and "widget" not in spec.extra:
                spec.extra["widget"] = YesNoAll

    def get_form_class(self):
        form_class = super().get_form_class()
        if issubclass(form_class, GuardedFilterForm):
            return form_class
        return type(form_class.__name__, (GuardedFilterForm, form_class), {})
