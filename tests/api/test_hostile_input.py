"""No input yields a 5xx (issue 8, guarantee d): every filter of every FilterSet, on every list page and API
list that uses it, answers hostile values — digits of other scripts, integers past bigint, dates a
datetime cannot hold, lists where one value is expected — with 400 and a message in the user's language.
Page numbers too, on the API's lists and on the assignment grid.

Nothing is hard-coded: the FilterSets are found in every app's `filtersets` module, their filters are
the declared ones, and the URLs are every named URL without arguments whose view declares one.
"""

from __future__ import annotations

import importlib
import re

import django_filters
import pytest
from django import forms
from django.apps import apps
from django.db import transaction
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.filters import FilterSet
from tests.factories import StoreFactory, SuperuserFactory

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
NOT_ASCII_DIGITS = ["²", "٣", "１２"]
HUGE = ["99999999999999999999999", "-99999999999999999999999"]
OUT_OF_REACH_DATES = ["9999-12-31", "0001-01-01", "٢٠٢٤-٠١-٠١"]


def _filtersets() -> list[type[django_filters.FilterSet]]:
    found = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.filtersets")
        except ModuleNotFoundError:
            continue
        found += [
            obj
            for obj in vars(module).values()
            if isinstance(obj, type)
            and issubclass(obj, django_filters.FilterSet)
            and obj.__module__ == module.__name__
            and obj._meta.model is not None
        ]
    return found


FILTERSETS = _filtersets()


def _hostile(field: forms.Field) -> list[str]:
    """The values the field's type must refuse (beyond a list, which every single-value field refuses)."""
    if isinstance(field, forms.ModelChoiceField):
        return NOT_ASCII_DIGITS + HUGE
    if isinstance(field, (forms.DateField, forms.DateTimeField)):
        return OUT_OF_REACH_DATES
    if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
        return NOT_ASCII_DIGITS + HUGE
    if isinstance(field, forms.NullBooleanField):
        return []  # unknown words read as "either"
    if isinstance(field, forms.ChoiceField):
        return NOT_ASCII_DIGITS
    return ["a\x00b"]  # text: PostgreSQL holds no NUL


def _form_fields(filterset_class, request):
    return filterset_class(QueryDict(""), request=request).form.fields


@pytest.fixture
def admin_request(db):
    request = RequestFactory().get("/")
    request.user = SuperuserFactory()
    return request


def test_every_filterset_derives_from_the_core_filterset():
    assert FILTERSETS, "no FilterSet found"
    strays = [f"{fs.__module__}.{fs.__name__}" for fs in FILTERSETS if not issubclass(fs, FilterSet)]
    assert not strays, f"derive these from core.filters.FilterSet: {strays}"


@pytest.mark.parametrize(
    "filterset_class, name",
    [pytest.param(fs, name, id=f"{fs.__name__}.{name}") for fs in FILTERSETS for name in fs.base_filters],
)
def test_every_filter_refuses_hostile_values(filterset_class, name, admin_request):
    StoreFactory()
    field = _form_fields(filterset_class, admin_request)[name]
    cases = [] if getattr(field.widget, "allow_multiple_selected", False) else [QueryDict(f"{name}=1&{name}=2")]
    for value in _hostile(field):
        cases.append(QueryDict(mutable=True))
        cases[-1][name] = value
    for query in cases:
        filterset = filterset_class(query, queryset=filterset_class._meta.model.objects.all(), request=admin_request)
        assert not filterset.is_valid(), f"{name}={query.getlist(name)} was accepted"
        assert CJK.search(" ".join(filterset.errors[name])), filterset.errors


@pytest.mark.parametrize("filterset_class", FILTERSETS, ids=lambda fs: fs.__name__)
def test_safe_values_still_filter(filterset_class, admin_request):
    """The guard refuses only what it should: an ID, today's date, a word, each filter alone, are valid."""
    StoreFactory()
    for name, field in _form_fields(filterset_class, admin_request).items():
        value = {forms.DateField: "2026-01-31", forms.NullBooleanField: "true"}.get(type(field), "")
        if isinstance(field, forms.ModelChoiceField):
            first = field.queryset.first()
            value = str(first.pk) if first else ""
        elif isinstance(field, forms.ChoiceField) and not value:
            value = next((str(v) for v, _ in field.choices if v), "")
        elif not value:
            value = "店铺"
        query = QueryDict(mutable=True)
        query[name] = value
        filterset = filterset_class(query, queryset=filterset_class._meta.model.objects.all(), request=admin_request)
        assert filterset.is_valid(), (name, value, filterset.errors)
        list(filterset.qs[:1])


# ------------------------------------------------------------------------------------------- over HTTP


def _list_urls():
    """(url, view class, is_api) of every named URL without arguments whose view declares a FilterSet."""

    def walk(patterns, namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.regex.groups:
                view = getattr(entry.callback, "view_class", None) or getattr(entry.callback, "cls", None)
                if getattr(view, "filterset_class", None) is not None:
                    yield f"{namespace}{entry.name}", view, hasattr(entry.callback, "cls")

    return sorted({(name, view, api) for name, view, api in walk(get_resolver().url_patterns)}, key=lambda x: x[0])


LIST_URLS = _list_urls()
API_LISTS = [(name, view) for name, view, api in LIST_URLS if api]


def _errors(response, name: str) -> list[str]:
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        return (body.get("fields") or body).get(name, [])
    return list(response.context["filterset"].form.errors.get(name, []))


@pytest.mark.parametrize(
    "url_name, view", [pytest.param(n, v, id=n) for n, v, api in LIST_URLS if api or hasattr(v, "paginate_by")]
)
def test_every_list_answers_hostile_filters_with_400(url_name, view, client, login, admin_request):
    StoreFactory()
    login(admin_request.user)
    url = reverse(url_name)
    for name, field in _form_fields(view.filterset_class, admin_request).items():
        values = [["1", "2"]] * (not getattr(field.widget, "allow_multiple_selected", False))
        for value in values + _hostile(field):
            with transaction.atomic():
                response = client.get(url, {name: value})
            assert response.status_code == 400, (url, name, value, response.status_code)
            assert CJK.search(" ".join(_errors(response, name))), (url, name, value)


@pytest.mark.parametrize("url_name", [pytest.param(n, id=n) for n, _ in API_LISTS])
@pytest.mark.parametrize("param", ["page", "page_size"])
def test_every_api_list_answers_a_malformed_page_with_400(url_name, param, client, login, admin_request):
    login(admin_request.user)
    url = reverse(url_name)
    for value in [*NOT_ASCII_DIGITS, "99999999999999999999", "0", "-1", ["1", "2"]]:
        response = client.get(url, {param: value})
        assert response.status_code == 400, (url, param, value, response.status_code)
        assert CJK.search(" ".join(_errors(response, param))), response.json()
    assert client.get(url, {param: "1"}).status_code == 200
    assert client.get(url, {"page": "999999"}).status_code == 404  # past the end: DRF's answer


PAGE_LISTS = [name for name, view, api in LIST_URLS if not api and getattr(view, "paginate_by", None)]
KEYSET_LISTS = [name for name, view, api in LIST_URLS if not api and hasattr(view, "keyset")]


@pytest.mark.parametrize("url_name", PAGE_LISTS)
def test_every_list_page_answers_a_malformed_page_with_400(url_name, client, login, admin_request):
    login(admin_request.user)
    url = reverse(url_name)
    for value in [*NOT_ASCII_DIGITS, "99999999999999999999", "0", ["1", "2"]]:
        response = client.get(url, {"page": value})
        assert response.status_code == 400, (url, value, response.status_code)
        assert CJK.search(" ".join(str(e) for e in response.context["page_errors"]))
    assert client.get(url, {"page": "1"}).status_code == 200
    assert client.get(url, {"page": "999999"}).status_code == 404  # past the end: Django's answer


@pytest.mark.parametrize("url_name", KEYSET_LISTS)
def test_every_keyset_list_answers_a_malformed_key_with_400(url_name, client, login, admin_request):
    login(admin_request.user)
    url = reverse(url_name)
    for param in ("before", "after"):
        for value in [*NOT_ASCII_DIGITS, "99999999999999999999", "-1", ["1", "x"]]:
            response = client.get(url, {param: value})
            assert response.status_code == 400, (url, param, value, response.status_code)
            assert CJK.search(" ".join(str(e) for e in response.context["page_errors"]))
        assert client.get(url, {param: "1"}).status_code == 200


@pytest.mark.parametrize("param", ["page", "cpage", "rows", "cols"])
def test_the_assignment_grid_answers_a_malformed_page_with_400(param, client, login, admin_request):
    login(admin_request.user)
    url = reverse("rbac:grid")
    for value in ["99999999999999999999", "²", "0", ["1", "2"]]:
        response = client.get(url, {param: value})
        assert response.status_code == 400, (param, value, response.status_code)
        assert CJK.search(" ".join(str(e) for e in response.context["page_errors"]))
    assert client.get(url, {param: "999999"}).status_code == 200  # a page past the end is an empty page


def _chooser_urls() -> list[str]:
    from core.lookups_views import ChooserLookupView

    def walk(patterns, namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                view = getattr(entry.callback, "view_class", None)
                if view is not None and issubclass(view, ChooserLookupView):
                    yield f"{namespace}{entry.name}"

    return sorted(walk(get_resolver().url_patterns))


@pytest.mark.parametrize("url_name", _chooser_urls())
def test_every_chooser_endpoint_refuses_hostile_queries(url_name, client, login, admin_request):
    login(admin_request.user)
    url = reverse(url_name)
    for params in ({"q": "a\x00b"}, {"page": "²"}, {"page": "99999999999999999999"}):
        response = client.get(url, params)
        assert response.status_code == 400, (url, params, response.status_code)
        assert CJK.search(response.json()["error"]), response.json()
    assert client.get(url, {"q": "店"}).status_code == 200


# ------------------------------------------------------------------------------------- API request bodies


def _writes(schema: dict):
    """(method, path, property name, its schema) of every scalar property of every write's JSON body."""
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if method not in ("post", "put", "patch") or not content:
                continue
            ref = content["schema"].get("$ref", "")
            body = components.get(ref.rsplit("/", 1)[-1], content["schema"])
            for name, prop in body.get("properties", {}).items():
                if prop.get("type") not in ("array", "object") and not prop.get("readOnly"):
                    yield method, path, name


def test_every_api_write_refuses_a_list_or_an_object_for_a_scalar(client, login, admin_request, roles, grant):
    """Each scalar field of each write, sent as a JSON list or object (the rest of the body empty), answers
    400 naming that field, in the user's language; none answers 5xx."""
    store = StoreFactory()
    grant(admin_request.user, roles["store_admin"], store=store)
    login(admin_request.user)
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    writes = list(_writes(schema))
    assert len({(m, p) for m, p, _ in writes}) >= 10, writes
    for method, path, name in writes:
        url = path.replace("{id}", str(_an_id(client, path)))
        for value in ([1, 2], {"a": 1}):
            response = getattr(client, method)(url, {name: value}, content_type="application/json")
            assert response.status_code in (400, 404), (method, url, name, value, response.status_code)
            if response.status_code == 400:
                assert CJK.search(" ".join(_errors(response, name))), (method, url, name, response.json())


def _an_id(client, path: str):
    """The id of the first object listed at the collection above `path` (0 when there is none)."""
    if "{id}" not in path:
        return 0
    rows = client.get(path.split("{id}", 1)[0]).json().get("results", [])
    return rows[0]["id"] if rows else 0
