"""The client address comes from X-Forwarded-For only when the request arrives from a configured proxy
(SHOPCREW_TRUSTED_PROXIES); then it is the right-most hop our proxies did not add for themselves."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEvent
from core.middleware import client_ip


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_configured_proxies_the_header_is_ignored(settings):
    settings.SHOPCREW_TRUSTED_PROXIES = []
    assert client_ip(request_from("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_a_request_not_from_a_proxy_cannot_choose_its_address(settings):
    settings.SHOPCREW_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request_from("203.0.113.9", "10.1.1.1, 1.2.3.4")) == "203.0.113.9"


def test_behind_a_proxy_the_right_most_untrusted_hop_is_the_client(settings):
    settings.SHOPCREW_TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.7"]
    # The client forged "6.6.6.6"; our edge proxy (192.0.2.7) appended the address it saw, 198.51.100.4,
    # and the inner proxy 10.0.0.3 appended the edge's address.
    forwarded = "6.6.6.6, 198.51.100.4, 192.0.2.7"
    assert client_ip(request_from("10.0.0.3", forwarded)) == "198.51.100.4"


def test_a_single_proxy_and_ipv6(settings):
    settings.SHOPCREW_TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    assert client_ip(request_from("127.0.0.1", "2001:db8::5")) == "2001:db8::5"
    assert client_ip(request_from("::1", " 198.51.100.4 ")) == "198.51.100.4"


def test_when_every_hop_is_a_proxy_the_left_most_is_taken(settings):
    settings.SHOPCREW_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request_from("10.0.0.3", "10.9.9.9, 10.0.0.2")) == "10.9.9.9"


def test_a_malformed_hop_stops_at_the_last_trusted_address(settings):
    settings.SHOPCREW_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request_from("10.0.0.3", "1.2.3.4, not-an-ip")) == "10.0.0.3"
    assert client_ip(request_from("10.0.0.3", "")) == "10.0.0.3"


def test_a_wrong_proxy_setting_says_so(settings):
    settings.SHOPCREW_TRUSTED_PROXIES = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured, match="SHOPCREW_TRUSTED_PROXIES"):
        client_ip(request_from("10.0.0.3", "1.2.3.4"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("proxies", "expected"),
    [([], "192.0.2.50"), (["192.0.2.50"], "198.51.100.4")],
    ids=["no proxy configured", "behind the configured proxy"],
)
def test_the_audit_log_records_the_client_address(client, settings, proxies, expected):
    settings.SHOPCREW_TRUSTED_PROXIES = proxies
    client.post(
        reverse("accounts:login"),
        {"username": "nobody", "password": "wrong-password-1"},
        REMOTE_ADDR="192.0.2.50",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4",
    )
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None and event.ip == expected


def test_a_request_without_a_peer_address_has_none_even_with_proxies_configured(settings):
    """A server listening on a unix socket may pass no REMOTE_ADDR: then there is no address, and a forwarded
    header from nobody we know is not believed (nor does it break the request)."""
    settings.SHOPCREW_TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = request_from("10.0.0.3", "198.51.100.4")
    del request.META["REMOTE_ADDR"]

    assert client_ip(request) is None
