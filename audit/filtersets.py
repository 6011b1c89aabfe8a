"""The audit log's FilterSet, shared by the pages, the CSV export and the API.

The store choices are scoped to the viewer (stores whose events the viewer may read, users_view);
the actor is typed (a name, or the staff id the API uses), so no list of people is disclosed.
"""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import Q, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.filters import FilterSet, parse_id, validate_id_or_text
from core.stores import get_store_model
from core.widgets import ChooserSelect

from .models import SEARCH_SQL, AuditEvent, Source
from .vocabulary import RECORDED, action_choices, actions_named, target_type_choices

CLOCK_SLACK = timedelta(hours=1)
SEARCH_FIELDS = ("action", "target_label", "target_type", "target_id", "actor_display", "reason")


def _viewer(request):
    return getattr(request, "user", None)


def audit_stores(request):
    """Stores whose events the viewer may read."""
    permission = AuditEvent.permission_for("view")
    return get_store_model().objects.restrict(_viewer(request), permission).order_by("platform", "site", "name")


@extend_schema_field(OpenApiTypes.INT)
class DepartmentFilter(django_filters.ModelChoiceFilter):
    """A department by id (the actor's department, as it is now)."""


def _departments(request):
    """Departments are company-wide names (a directory anyone working may read)."""
    return get_user_model()._meta.get_field("department").related_model._default_manager.all()


class ActorChooser(ChooserSelect):
    """The people chooser for a filter that also takes a typed name: a chosen id is shown by the person's name."""

    viewer = None  # set by the filterset's form

    def get_context(self, name, value, attrs):
        key = value[0] if isinstance(value, list | tuple) and value else value
        person = None
        if isinstance(key, str) and key.isascii() and key.isdigit() and len(key) < 19:
            # named only to a viewer who may see the person (no reading names by guessing ids)
            people = get_user_model()._default_manager.restrict(self.viewer, "view")
            person = people.filter(pk=int(key)).first()
        self.choices = [("", "---------")] + ([(key, str(person))] if person else [(key, key)] if key else [])
        return super().get_context(name, value, attrs)


class ActionSelect(forms.Select):
    """The actions in words, grouped by what they act on (choices read at render, in the viewer's language)."""

    def get_context(self, name, value, attrs):
        self.choices: list = [("", "---------"), *action_choices()]
        return super().get_context(name, value, attrs)


class TargetTypeSelect(forms.Select):
    def get_context(self, name, value, attrs):
        self.choices = [("", "---------")] + target_type_choices()
        return super().get_context(name, value, attrs)


def _day_start(value) -> datetime:
    return timezone.make_aware(datetime.combine(value, time.min))


class AuditEventFilterSet(FilterSet):
    """Audit events: free text, action prefix, actor, store, source, date range, and one target's history."""

    q = django_filters.CharFilter(
        label=_("Search"), method="filter_search", help_text=_("Action, target, actor or reason")
    )
    # Offered as choices in words; any code or prefix (the API's "auth." or "store") is still understood.
    action = django_filters.CharFilter(label=_("Action"), method="filter_action", widget=ActionSelect())
    actor = django_filters.CharFilter(
        label=_("Actor"),
        method="filter_actor",
        help_text=_("A name, or a staff ID number"),
        validators=[validate_id_or_text],
        widget=ActorChooser("staff", "view"),
    )
    department = DepartmentFilter(
        label=_("Actor's department"),
        queryset=_departments,
        method="filter_department",
        widget=ChooserSelect("departments", "view"),
    )
    store = django_filters.ModelChoiceFilter(
        label=_("Store"),
        queryset=audit_stores,
        # the store chooser by name (audit imports only core); its users_view scope is audit_stores' rows
        widget=ChooserSelect("stores", AuditEvent.permission_for("view")),
    )
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Source.choices)
    since = django_filters.DateFilter(
        label=_("From"), method="filter_since", widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        label=_("To"), method="filter_until", widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"})
    )
    target_type = django_filters.CharFilter(label=_("Target type"), field_name="target_type", widget=TargetTypeSelect())
    target_id = django_filters.CharFilter(label=_("Target ID"), field_name="target_id")

    class Meta:
        model = AuditEvent
        fields = [
            "q",
            "action",
            "actor",
            "department",
            "store",
            "source",
            "since",
            "until",
            "target_type",
            "target_id",
        ]

    def filter_search(self, queryset, name, value):
        """Words anywhere in the action, target, actor or reason; an action's words in the viewer's language
        ("批准") find that action too. On PostgreSQL the search reads the trigram index of SEARCH_SQL."""
        value = (value or "").strip()
        if not value:
            return queryset
        if connection.vendor == "postgresql":
            q = Q(search_text__contains=value.upper())
            queryset = queryset.alias(search_text=RawSQL(SEARCH_SQL, [], output_field=models.TextField()))
        else:
            q = Q()
            for field in SEARCH_FIELDS:
                q |= Q(**{f"{field}__icontains": value})
        if actions := actions_named(value):
            q |= Q(action__in=actions)
        return queryset.filter(q)

    def filter_actor(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        actor_id = parse_id(value)
        return (
            queryset.filter(actor_id=actor_id)
            if actor_id is not None
            else queryset.filter(actor_display__icontains=value)
        )

    @property
    def form(self):
        form = super().form
        form.fields["actor"].widget.viewer = _viewer(self.request)
        return form

    def filter_department(self, queryset, name, value):
        """Actions by the people of a department (as it is now)."""
        if not value:
            return queryset
        people = get_user_model().objects.filter(department=value).values("pk")
        return queryset.filter(actor_id__in=people)

    def filter_action(self, queryset, name, value):
        """One recorded action exactly ("auth.login" is not "auth.login_failed"); anything else as a prefix
        ("store." every action on stores)."""
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(action=value) if value in RECORDED else queryset.filter(action__startswith=value)

    # Dates are also turned into id bounds (events are appended in time order, under the chain lock), read with
    # one probe of the created_at index each: the newest-first id scan then starts and stops at the dates, not
    # at the newest event (measured at 5,000,000 events: a day 200 days back, 480 ms → a few ms). The slack
    # keeps the bounds right even if the server's clock once stepped back by less than it.
    def filter_since(self, queryset, name, value):
        if not value:
            return queryset
        start = _day_start(value)
        first = AuditEvent.objects.filter(created_at__gte=start - CLOCK_SLACK).order_by("created_at").values("pk")
        return queryset.filter(created_at__gte=start, pk__gte=Subquery(first[:1]))

    def filter_until(self, queryset, name, value):
        if not value:
            return queryset
        end = _day_start(value + timedelta(days=1))
        last = AuditEvent.objects.filter(created_at__lt=end + CLOCK_SLACK).order_by("-created_at").values("pk")
        return queryset.filter(created_at__lt=end, pk__lte=Subquery(last[:1]))
