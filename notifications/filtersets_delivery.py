"""FilterSets of the delivery log, the dead letters and the sent messages, shared by the pages and the API.
Store and robot choices are the viewer's (settings_view)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import FilterSet
from events.choices import EventKind
from stores.choosers import STORES

from .choosers import ROBOTS
from .filtersets import ALL, viewer_stores
from .models import Delivery, DeliveryState, Robot, SentMessage


def viewer_robots(request):
    """Robots the viewer may see (none without a request, e.g. schema generation)."""
    return Robot.objects.restrict(getattr(request, "user", None), "view").only("id", "name").order_by("name")


class DeliveryFilterSet(FilterSet):
    """Deliveries: store, robot, event kind, status."""

    store = django_filters.ModelChoiceFilter(
        label=_("Store"), empty_label=ALL, queryset=viewer_stores, widget=STORES.widget("settings_view")
    )
    robot = django_filters.ModelChoiceFilter(
        label=_("Robot"), empty_label=ALL, queryset=viewer_robots, widget=ROBOTS.widget("view")
    )
    event_kind = django_filters.ChoiceFilter(label=_("Event"), empty_label=ALL, choices=EventKind.choices)
    state = django_filters.ChoiceFilter(label=_("Status"), empty_label=ALL, choices=DeliveryState.choices)

    class Meta:
        model = Delivery
        fields = ["store", "robot", "event_kind", "state"]


class DeadLetterFilterSet(FilterSet):
    """Dead letters: store, robot, event kind."""

    store = DeliveryFilterSet.base_filters["store"]
    robot = DeliveryFilterSet.base_filters["robot"]
    event_kind = DeliveryFilterSet.base_filters["event_kind"]

    class Meta:
        model = Delivery
        fields = ["store", "robot", "event_kind"]


class SentMessageFilterSet(FilterSet):
    """Messages the robots were sent: robot, store, summaries only."""

    robot = django_filters.ModelChoiceFilter(
        label=_("Robot"), empty_label=ALL, queryset=viewer_robots, widget=ROBOTS.widget("view")
    )
    store = django_filters.ModelChoiceFilter(
        label=_("Store"), empty_label=ALL, queryset=viewer_stores, widget=STORES.widget("settings_view")
    )
    is_summary = django_filters.BooleanFilter(label=_("Summary"))

    class Meta:
        model = SentMessage
        fields = ["robot", "store", "is_summary"]
