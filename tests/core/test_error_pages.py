"""Errors a person can read: 403, 404, 405 and 500 in the console's frame, in the user's language
(简体中文 by default), with a way back; under /api/ a JSON body with a stable code and a message."""

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from core.views_errors import server_error
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

HOME = reverse("core:home")
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def assert_framed(response, status):
    body = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert 'class="topbar"' in body or "<main" in body  # the console's frame (base.html)
    assert f'href="{HOME}"' in body  # a way back
    return body


def test_404_is_the_framed_page_in_chinese_without_the_url_list(client, login):
    login(StaffFactory())
    body = assert_framed(client.get("/no-such-page/"), 404)
    assert "页面不存在" in body and "返回首页" in body
    assert "Page not found" not in body and "URLconf" not in body and "staff/" not in body.split("<main")[1]


def test_404_in_english_when_switched(client, login):
    login(StaffFactory())
    body = assert_framed(english(client).get("/no-such-page/"), 404)
    assert "This page does not exist" in body and "Back to home" in body


def test_404_offers_the_page_the_person_came_from(client, login):
    login(StaffFactory())
    came_from = "http://testserver" + reverse("stores:store_list")
    body = assert_framed(client.get("/no-such-page/", HTTP_REFERER=came_from), 404)
    assert f'href="{came_from}"' in body and "返回上一页" in body
    body = assert_framed(client.get("/no-such-page/", HTTP_REFERER="https://evil.example/"), 404)
    assert "evil.example" not in body


def test_404_for_an_anonymous_visitor_too(client):
    body = assert_framed(client.get("/no-such-page/"), 404)
    assert "页面不存在" in body


def test_403_is_the_framed_page_in_chinese(client, login):
    login(StaffFactory())  # no role anywhere
    body = assert_framed(client.get(reverse("stores:store_create")), 403)
    assert "没有权限" in body
    assert "403 Forbidden" not in body
    body = assert_framed(english(client).get(reverse("stores:store_create")), 403)
    assert "You are not allowed to do this" in body


def test_405_is_the_framed_page_and_keeps_the_allow_header(client, login):
    login(StaffFactory())
    response = client.put(HOME)
    body = assert_framed(response, 405)
    assert "PUT" in body and response["Allow"]
    assert response["Allow"].replace(" ", "") in body.replace(" ", "")


def test_500_renders_without_the_database_or_context_processors():
    """No django_db here: any query would fail the test. The page still has the frame and a way home."""
    request = RequestFactory().get("/stores/")
    request.request_id = "abc123"
    with translation.override("zh-hans"):
        response = server_error(request)
    body = response.content.decode()
    assert response.status_code == 500
    assert "出错了" in body and f'href="{HOME}"' in body and "abc123" in body
    with translation.override("en"):
        assert "Something went wrong" in server_error(request).content.decode()


def test_a_server_error_in_a_view_gets_the_500_page(client, login, monkeypatch):
    from core import views_home

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views_home.HomeView, "get", boom)
    client.raise_request_exception = False
    login(StaffFactory())
    response = client.get(HOME)
    assert response.status_code == 500 and "出错了" in response.content.decode()


class TestApi:
    def test_404_is_json_with_a_code(self, client):
        response = client.get("/api/v1/no-such-thing/")
        assert response.status_code == 404
        body = response.json()
        assert body["code"] == "not_found" and body["message"] and body["request_id"] == response["X-Request-ID"]

    def test_404_message_follows_the_language(self, client):
        zh = client.get("/api/v1/no-such-thing/").json()["message"]
        en = client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en").json()["message"]
        assert zh != en and en == "Nothing was found at this address."

    def test_an_admin_without_a_second_factor_gets_a_coded_refusal(self, client):
        from tests.factories import SuperuserFactory

        client.force_login(SuperuserFactory(), backend=MODEL_BACKEND)  # signed in, second factor not passed
        response = client.get("/api/v1/stores/", HTTP_ACCEPT_LANGUAGE="en")
        body = response.json()
        assert response.status_code == 403 and body["code"] == "second_factor_required"
        assert body["message"] == "This account must complete two-factor verification first."

    def test_500_is_json(self, rf):
        request = rf.get("/api/v1/stores/")
        request.request_id = "r1"
        response = server_error(request)
        assert response.status_code == 500 and b'"code": "server_error"' in response.content

    def test_index_lists_the_endpoints(self, client, login):
        from tests.factories import SuperuserFactory

        login(SuperuserFactory())
        response = client.get("/api/v1/")
        assert response.status_code == 200
        endpoints = response.json()["endpoints"]
        for name in ("staff", "department", "store", "role", "binding", "audit-event", "robot", "schema", "docs"):
            assert name in endpoints, name
        assert endpoints["store"] == "http://testserver/api/v1/stores/"
        assert client.get(endpoints["store"]).status_code == 200

    def test_docs_page_references_no_external_host(self, client, login):
        from tests.factories import SuperuserFactory

        login(SuperuserFactory())
        response = client.get(reverse("api:docs"))
        body = response.content.decode()
        assert response.status_code == 200
        assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in body
        assert "cdn" not in body.lower() and "unpkg" not in body and "jsdelivr" not in body
        for prefix in ('src="http', "src='http", 'href="http', "href='http"):
            assert prefix not in body
