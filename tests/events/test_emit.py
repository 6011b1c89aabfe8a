"""The outbox: one row per dedupe key, written only inside the caller's transaction, one statement a batch."""

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

import events
from events.choices import EventKind
from events.models import Event
from events.services import EventRow
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_emit_writes_once_per_dedupe_key():
    store = StoreFactory()
    with transaction.atomic():
        first = events.emit(EventKind.ORDER_NEW, store, {"order_id": "A1"}, f"order.new:{store.pk}:A1")
        again = events.emit(EventKind.ORDER_NEW, store, {"order_id": "A1", "x": 1}, f"order.new:{store.pk}:A1")
    assert first is not None and again is None
    event = Event.objects.get()
    assert (event.kind, event.store_id, event.payload, event.state) == (
        "order.new",
        store.pk,
        {"order_id": "A1"},
        "pending",
    )
    assert event.occurred_at and event.created_at and event.processed_at is None


def test_emit_many_is_one_statement_and_returns_only_new_ids(django_assert_num_queries):
    store = StoreFactory()
    rows = [EventRow(EventKind.STOCK_LOW, store.pk, f"stock.low:{store.pk}::{n}:1", {"n": n}) for n in range(50)]
    with transaction.atomic():
        events.emit_many(rows[:10])
        with django_assert_num_queries(1):
            new = events.emit_many(rows + rows[:5])  # repeats inside the batch and from before
    assert len(new) == 40
    assert Event.objects.count() == 50
    assert set(Event.objects.filter(pk__in=new).values_list("payload__n", flat=True)) == set(range(10, 50))


@pytest.mark.django_db(transaction=True)
def test_emit_outside_a_transaction_is_refused():
    with pytest.raises(TransactionManagementError):
        events.emit(EventKind.ORDER_NEW, None, {}, "order.new:x")
    assert not Event.objects.exists()


def test_a_rolled_back_change_leaves_no_event():
    store = StoreFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        events.emit(EventKind.ORDER_SHIPPED, store, {}, f"order.shipped:{store.pk}:B2")
        raise RuntimeError("the change failed")
    assert not Event.objects.exists()


def test_unknown_kinds_and_missing_keys_are_refused():
    with transaction.atomic(), pytest.raises(ValueError):
        events.emit("order.exploded", None, {}, "k")
    with transaction.atomic(), pytest.raises(ValueError):
        events.emit(EventKind.ORDER_NEW, None, {}, "")


def test_every_kind_of_the_issue_is_a_choice_with_a_chinese_label():
    from django.utils import translation

    expected = {
        "order.new", "order.shipped", "order.cancelled", "aftersales.new", "aftersales.updated",
        "aftersales.due_soon", "stock.low", "stock.out", "store.auth_expiring", "store.sync_failing",
        "access.request_opened", "digest.daily", "digest.weekly",
        # issue "Access administration": the security robot's messages
        "access.approved_alone", "security.lockout", "security.unlock", "security.new_source",
        "security.audit_checkpoint",
        # issue 11: a daily store check (or another checklist) not completed by its due time
        "sop.checklist_overdue",
        # issue 12: access reviews (权限复核) — a reviewer's reminder, a campaign past its deadline
        "access.review_reminder", "access.review_escalated",
        # issue 13: ads (广告/运营)
        "ads.spend_spike", "ads.budget_nearly_used", "ads.campaign_stopped", "ads.roas_drop",
    }  # fmt: skip
    assert set(EventKind.values) == expected
    with translation.override("zh-hans"):
        labels = {str(label) for _, label in EventKind.choices}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in labels), labels
