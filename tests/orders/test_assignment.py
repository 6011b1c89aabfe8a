"""客服分单: round-robin over the on-duty colleagues who still hold the right, claim, hand over, mark handled."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from audit.models import AuditEvent
from events.choices import EventKind
from events.models import Event
from orders.assignment import assign_for_event, work_claim, work_hand_over, work_mark_handled
from orders.choices import AssignmentMode
from orders.models import AfterSalesCase, Order, StoreSettings
from orders.services import cases_upsert_page, orders_upsert_page
from tests.factories import RoleBindingFactory, RoleFactory, StaffFactory, StoreFactory

from .rows import case, page

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Refusals are read in English here, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


def operator(store, *codes):
    person = StaffFactory()
    RoleBindingFactory(staff=person, store=store, role=RoleFactory(permissions=list(codes) or ["orders_operate"]))
    return person


def round_robin(store, *people):
    row = StoreSettings.objects.create(store=store, assignment_mode=AssignmentMode.ROUND_ROBIN)
    row.on_duty.set(people)
    return row


def new_order_events(store, count):
    orders_upsert_page(store=store, rows=page(count))
    return list(Event.objects.filter(store=store, kind=EventKind.ORDER_NEW).order_by("id"))


def test_round_robin_hands_new_orders_to_three_colleagues_in_turn():
    store = StoreFactory()
    people = sorted([operator(store) for _ in range(3)], key=lambda p: p.pk)
    round_robin(store, *people)
    events = new_order_events(store, 6)

    chosen = [assign_for_event(e) for e in events]

    assert [p.pk for p in chosen] == [p.pk for p in people] * 2
    orders = {o.order_id: o.assignee_id for o in Order.objects.filter(store=store)}
    assert [orders[e.payload["order_id"]] for e in events] == [p.pk for p in people] * 2
    assert AuditEvent.objects.filter(action="order.assign").count() == 6
    # the same event again answers the same person, and moves no turn
    assert assign_for_event(events[0]) == people[0]
    assert StoreSettings.objects.get(store=store).round_robin_last_id == people[2].pk


def test_round_robin_skips_who_lost_the_right_or_stopped_working():
    store = StoreFactory()
    keeps, loses, leaves = operator(store), StaffFactory(), operator(store)
    RoleBindingFactory(staff=loses, store=StoreFactory(), role=RoleFactory(permissions=["orders_operate"]))
    leaves.is_active = False
    leaves.save()
    round_robin(store, keeps, loses, leaves)

    assert {assign_for_event(e) for e in new_order_events(store, 3)} == {keeps}


def test_after_sales_cases_go_to_after_sales_colleagues():
    store = StoreFactory()
    orders_only, after_sales = operator(store, "orders_operate"), operator(store, "after_sales_operate")
    round_robin(store, orders_only, after_sales)
    cases_upsert_page(store=store, rows=[case(1), case(2)])
    events = Event.objects.filter(store=store, kind=EventKind.AFTERSALES_NEW)

    assert {assign_for_event(e) for e in events} == {after_sales}
    assert set(AfterSalesCase.objects.values_list("assignee_id", flat=True)) == {after_sales.pk}


def test_claim_mode_assigns_nobody():
    store = StoreFactory()
    person = operator(store)
    StoreSettings.objects.create(store=store).on_duty.set([person])
    events = new_order_events(store, 2)

    assert [assign_for_event(e) for e in events] == [None, None]
    assert not Order.objects.filter(assignee__isnull=False).exists()
    work_claim(actor=person, item=Order.objects.get(order_id=events[0].payload["order_id"]))
    assert assign_for_event(events[0]) == person


def test_claim_needs_the_right_and_an_unassigned_order():
    store = StoreFactory()
    clerk, viewer = operator(store), operator(store, "orders_view")
    orders_upsert_page(store=store, rows=page(1))
    item = Order.objects.get()

    with pytest.raises(PermissionDenied):
        work_claim(actor=viewer, item=item)
    work_claim(actor=clerk, item=item)
    with pytest.raises(ValidationError, match="already claimed"):
        work_claim(actor=operator(store), item=item)
    assert AuditEvent.objects.filter(action="order.claim").count() == 1


def test_hand_over_only_to_a_colleague_with_the_right():
    store = StoreFactory()
    clerk, colleague = operator(store), operator(store)
    elsewhere = operator(StoreFactory())
    orders_upsert_page(store=store, rows=page(1))
    item = work_claim(actor=clerk, item=Order.objects.get())

    with pytest.raises(ValidationError, match="may not handle"):
        work_hand_over(actor=clerk, item=item, to=elsewhere)
    assert Order.objects.get().assignee == clerk
    work_hand_over(actor=clerk, item=item, to=colleague)
    assert Order.objects.get().assignee == colleague
    assert AuditEvent.objects.filter(action="order.hand_over").count() == 1


def test_mark_handled_once():
    store = StoreFactory()
    clerk = operator(store, "after_sales_operate")
    cases_upsert_page(store=store, rows=[case(1)])
    item = AfterSalesCase.objects.get()

    work_mark_handled(actor=clerk, item=item)
    with pytest.raises(ValidationError, match="already been handled"):
        work_mark_handled(actor=clerk, item=item)
    handled = AfterSalesCase.objects.get()
    assert handled.handled_by == clerk and handled.handled_at is not None
    assert AuditEvent.objects.filter(action="case.handle").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_people_claiming_at_once_one_wins():
    from .test_concurrency import overlap

    store = StoreFactory()
    first, second = operator(store), operator(store)
    orders_upsert_page(store=store, rows=page(1))
    item = Order.objects.get()

    def claim(person):
        def run():
            try:
                with translation.override("en"):  # each thread has its own active language
                    return work_claim(actor=person, item=item).assignee_id
            except ValidationError as exc:
                return exc.messages

        return run

    won, lost = overlap(claim(first), claim(second))

    assert won == first.pk
    assert lost == [f"{first.name} has already claimed this."]
    assert Order.objects.get().assignee == first
    assert AuditEvent.objects.filter(action="order.claim").count() == 1


def test_a_batch_is_assigned_in_turn_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    from orders.assignment import assign_for_events

    store, quiet = StoreFactory(), StoreFactory()
    people = sorted([operator(store) for _ in range(3)], key=lambda p: p.pk)
    round_robin(store, *people)
    StoreSettings.objects.create(store=quiet)
    few, many = new_order_events(store, 3), new_order_events(quiet, 2)
    with django_assert_max_num_queries(30) as counted:
        chosen = assign_for_events(few + many)
    assert [chosen[e.pk].pk for e in few] == [p.pk for p in people] and not any(e.pk in chosen for e in many)

    orders_upsert_page(store=store, rows=page(30, start=100))
    orders_upsert_page(store=quiet, rows=page(30, start=100))
    batch = list(Event.objects.filter(kind=EventKind.ORDER_NEW, payload__order_id__gte="260301ORD00100"))
    assert len(batch) == 60
    with django_assert_max_num_queries(len(counted.captured_queries)):
        chosen = assign_for_events(batch)
    assert len(chosen) == 30
    assert Order.objects.filter(store=store, assignee__isnull=True).count() == 0
    assert AuditEvent.objects.filter(action="order.assign").count() == 33
