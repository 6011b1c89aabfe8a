"""Widgets of the searchable chooser (core.choosers, static/js/chooser.js).

`ChooserSelect` and `ChooserSelectMultiple` render an ordinary <select> holding only the option(s)
currently chosen (plus the field's empty choice), with the endpoint in `data-chooser-url`; chooser.js
turns it into a search box with a dropdown and keeps the chosen ids in that <select>, so the form
posts exactly what it did before. The field keeps its full, restricted queryset for validation; it is
never rendered. A value outside that queryset (someone else's store typed into the URL) is not
rendered either, so a label never leaks.
"""

from __future__ import annotations

from django import forms
from django.db.models import AutoField, BigAutoField, IntegerField
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from . import choosers

MAX_BIGINT = 2**63 - 1


class ChooserSelect(forms.Select):
    """A single choice searched through a chooser's endpoint (see the module)."""

    def __init__(self, chooser=None, scope: str = "view", attrs=None):
        """`chooser`: a core.choosers.Chooser, or the name it is registered under (for a module below the
        app owning it, e.g. audit filtering by store)."""
        super().__init__(attrs)
        self.chooser = chooser
        self.scope = scope

    def endpoint(self) -> str:
        source = choosers.chooser(self.chooser) if isinstance(self.chooser, str) else self.chooser
        return source.url(self.scope)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "data-chooser-url": self.endpoint(),
                "data-chooser-placeholder": _("Type to search…"),
                "data-chooser-none": _("No matches."),
                "data-chooser-more": _("More matches: type more of the name."),
                "data-chooser-remove": _("Remove"),
                "data-chooser-error": _("The search did not answer; try again."),
            }
        )
        return context

    def optgroups(self, name, value, attrs=None):
        everything = self.choices
        self.choices = self.chosen(value)
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = everything

    def chosen(self, value) -> list:
        """The choices to render: the empty one (single choice) and the chosen rows the field accepts."""
        choices = self.choices
        wanted = {str(v) for v in value if v not in (None, "")}
        if not isinstance(choices, ModelChoiceIterator):
            return [(v, label) for v, label in choices if v in ("", None) or str(v) in wanted]
        field = choices.field
        head = [("", field.empty_label)] if field.empty_label is not None and not self.allow_multiple_selected else []
        keys = _usable_keys(choices.queryset.model, field.to_field_name, wanted)
        if not keys:
            return head
        rows = choices.queryset.filter(**{f"{field.to_field_name or 'pk'}__in": keys})
        return head + [choices.choice(obj) for obj in rows]


class ChooserSelectMultiple(ChooserSelect, forms.SelectMultiple):
    """Several choices searched through a chooser's endpoint, posted as the same repeated field (its data
    handling is SelectMultiple's)."""


def _usable_keys(model, to_field_name: str | None, wanted: set[str]) -> list[str]:
    """The submitted keys worth looking up: integers that fit the column for an integer key (so "abc",
    "²" or a 30-digit number are simply not chosen, rather than an error)."""
    field = model._meta.get_field(to_field_name) if to_field_name else model._meta.pk
    if not isinstance(field, AutoField | BigAutoField | IntegerField):
        return sorted(wanted)
    return sorted(k for k in wanted if k.isascii() and k.isdigit() and int(k) <= MAX_BIGINT)


def choose(field: forms.ModelChoiceField, chooser, *, scope: str, viewer=None, queryset=None) -> None:
    """Make a form field a searchable chooser: it validates against `queryset` (by default the scope's
    rows for `viewer`; pass those rows widened with the current value where an edit must keep it) and
    renders only what is chosen. Call it from the form's __init__."""
    multiple = isinstance(field, forms.ModelMultipleChoiceField)
    widget = (ChooserSelectMultiple if multiple else ChooserSelect)(chooser, scope)
    widget.is_required = field.required
    field.widget = widget
    field.queryset = chooser.rows(viewer=viewer, scope=scope) if queryset is None else queryset  # sets the choices
