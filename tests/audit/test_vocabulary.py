"""The audit log speaks in words: every action the code records, and every object type, has a label in both
languages; the filters offer them as choices."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.utils import translation

from audit.vocabulary import ACTIONS, OBJECTS, RECORDED, TARGET_TYPES, VERBS, action_label, known, target_type_label

ROOT = Path(__file__).resolve().parents[2]
APPS = [p for p in ROOT.iterdir() if (p / "apps.py").exists() and p.name != "sandbox"]


def recorded_actions() -> set[str]:
    """Every literal action passed to audit's record()/record_many() (or as action=) in the apps' code."""
    found = set()
    for app in APPS:
        for path in app.rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                candidates = [node.args[0]] if name in ("record", "record_many") and node.args else []
                candidates += [kw.value for kw in node.keywords if kw.arg == "action"]
                for c in candidates:
                    if isinstance(c, ast.Constant) and isinstance(c.value, str) and "." in c.value:
                        found.add(c.value)
    return found


def test_every_action_the_code_records_has_words_and_is_offered_as_a_filter():
    actions = recorded_actions()
    assert len(actions) > 50  # the scan found the code's actions
    assert sorted(a for a in actions if not known(a)) == []
    assert sorted(actions - set(RECORDED)) == []


# Project models that are never an audit event's target: join rows, counters and figures the workers keep.
NEVER_TARGETS = {
    "audit.deniedrepeat", "rbac.rolegroup", "rbac.storeuserobjectpermission", "rbac.storegroupobjectpermission",
    "notifications.ratewindow", "orders.syncstate", "security.seensource", "security.passwordchange",
    "reports.storeday", "ads.adsday", "ads.adshour",
}  # fmt: skip


def test_every_model_an_event_can_be_about_has_words():
    """An event about any of the project's records names its type in words (the model names, not guesses: a
    misspelt key once left "stores.ozoncredential" shown as a code)."""
    from django.apps import apps

    models = {
        f"{m._meta.app_label}.{m._meta.model_name}"
        for config in apps.get_app_configs()
        if Path(config.path).parent == ROOT
        for m in config.get_models()
    }
    assert len(models) > 40
    assert sorted(models - NEVER_TARGETS - set(TARGET_TYPES) - {"sandbox"}) == []
    assert NEVER_TARGETS <= models


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_labels_are_words_in_both_languages(language):
    with translation.override(language):
        for action in RECORDED:
            assert known(action), action
            label = str(action_label(action))
            assert label != action and "_" not in label, action
        for code in TARGET_TYPES:
            assert str(target_type_label(code)) != code


def test_chinese_labels_are_chinese():
    with translation.override("zh-hans"):
        untranslated = [
            str(label)
            for label in [*OBJECTS.values(), *VERBS.values(), *ACTIONS.values(), *TARGET_TYPES.values()]
            if not any("\u4e00" <= ch <= "\u9fff" for ch in str(label))
        ]
        assert untranslated == []
        assert str(action_label("access_request.approve")) == "权限申请 · 批准"
        assert str(target_type_label("rbac.accessrequest")) == "权限申请"


def test_an_unknown_code_is_shown_as_it_is():
    assert str(action_label("something.new")) == "something.new"
    assert str(target_type_label("x.y")) == "x.y"


@pytest.mark.django_db
def test_ids_in_a_change_keep_the_names_they_had_when_recorded(client, login):
    from audit.models import AuditEvent
    from audit.services import record, verify_chain
    from staff.models import Department
    from tests.factories import StaffFactory, SuperuserFactory

    person = StaffFactory(name="王芳")
    named_then = str(person)
    department = Department.objects.create(name="客服部")
    record("department.update", target=department, before={"manager": None}, after={"manager": person.pk})
    event = AuditEvent.objects.latest("id")
    assert event.names == {"manager": {str(person.pk): named_then}}
    person.name = "王芳芳"
    person.save()
    login(SuperuserFactory())
    changes = {row["field"]: row for row in client.get(f"/audit/{event.pk}/").context["changes"]}
    assert changes["manager"]["after"] == f"{named_then} (#{person.pk})"
    assert verify_chain()[1] is None  # the names are covered by the row's hash
