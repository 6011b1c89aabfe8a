"""audit.services.record names what a row is about: the target's type, id and label and its store come from
the object when one is given, an explicit name wins over the derived one, and a row about no object (a
sign-in attempt for an unknown name, a batch of requests, a deleted robot) keeps what the caller said."""

import pytest

from audit.models import AuditEvent
from audit.services import record, verify_chain
from core import context
from tests.factories import StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


def _row(event) -> tuple:
    event = AuditEvent.objects.get(pk=event.pk)  # as stored, not as the caller's instance holds it
    return event.target_type, event.target_id, event.target_label, event.store_id


def test_a_row_about_an_object_names_it_and_its_store():
    store = StoreFactory(name="上海一店")

    event = record("store.update", target=store, store=store, before={"name": "旧名"}, after={"name": "上海一店"})

    assert _row(event) == ("stores.store", str(store.pk), str(store), store.pk)


def test_a_row_about_a_person_is_typed_as_a_person_and_labelled_with_their_name():
    person = StaffFactory(name="张三")

    event = record("staff.update", target=person, after={"name": "张三"})

    assert _row(event) == ("staff.staff", str(person.pk), str(person), None)


def test_the_store_may_be_given_by_its_id():
    store = StoreFactory()

    event = record(
        "robot.delete", target_type="notifications.robot", target_id=7, target_label="机器人", store=store.pk
    )

    assert _row(event) == ("notifications.robot", "7", "机器人", store.pk)


def test_names_the_caller_gives_win_over_the_ones_derived_from_the_object():
    store = StoreFactory(name="上海一店")

    event = record(
        "request.approve", target=store, target_type="rbac.accessrequest", target_id="batch-9", target_label="3 个申请"
    )

    assert _row(event) == ("rbac.accessrequest", "batch-9", "3 个申请", None)


def test_each_name_the_caller_leaves_out_is_still_derived():
    store = StoreFactory(name="上海一店")

    only_label = record("store.update", target=store, target_label="上海一店（旧名）")
    only_id = record("store.update", target=store, target_id="legacy-1")

    assert _row(only_label) == ("stores.store", str(store.pk), "上海一店（旧名）", None)
    assert _row(only_id) == ("stores.store", "legacy-1", str(store), None)


def test_a_row_about_no_object_has_an_empty_id_not_the_word_none():
    event = record("auth.login_failed", target_type="staff.staff", target_id=None, target_label="ghost")
    bare = record("system.check")

    assert _row(event) == ("staff.staff", "", "ghost", None)
    assert _row(bare) == ("", "", "", None)


def test_the_reason_is_kept_and_a_missing_one_is_empty():
    store = StoreFactory()

    given = record("store.update", target=store, reason="改名")
    missing = record("store.update", target=store, reason=None)

    assert AuditEvent.objects.get(pk=given.pk).reason == "改名"
    assert AuditEvent.objects.get(pk=missing.pk).reason == ""


def test_the_first_row_starts_the_chain_and_each_next_one_links_to_the_last():
    assert not AuditEvent.objects.exists()  # a fresh log (each test runs in its own rolled-back transaction)
    store = StoreFactory()
    with context.bound(source="web"):
        first = record("store.create", target=store, store=store)
        second = record("store.update", target=store, store=store)

    assert (first.prev_hash, second.prev_hash) == ("", first.hash)
    assert verify_chain() == (2, None, "")
