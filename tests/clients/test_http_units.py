"""The shared HTTP layer against real sockets: timeouts, refused connections, retries, redaction."""

import logging
import socket
import threading

import httpx
import pytest

from notifications.clients.wecom import WeComRobot
from stores.clients.errors import PlatformError, TransportError
from stores.clients.http import Redactor, RetryPolicy, redact_params
from stores.clients.ozon import OzonClient
from stores.clients.shopee import ShopeeClient

SECRET_KEY = "4f1c9e0b-robot-key-do-not-log"
PARTNER_KEY = "shpk-partner-key-do-not-log-0001"
ACCESS = "0123456789abcdef0123456789abcdef"
API_KEY = "ozon-api-key-do-not-log-5555"


@pytest.fixture
def silent_server():
    """A TCP listener that accepts connections and never answers (a hung upstream)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                accepted.append(conn)
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


@pytest.fixture
def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def recording_policy(**kwargs):
    sleeps = []
    return RetryPolicy(jitter=0, sleep=sleeps.append, **kwargs), sleeps


def test_read_timeout_on_a_read_is_retried_with_exponential_backoff_then_raised(silent_server):
    url, accepted = silent_server
    policy, sleeps = recording_policy(attempts=3, base_delay=0.01)
    shop = ShopeeClient(
        partner_id=1, partner_key=PARTNER_KEY, base_url=url, timeout=httpx.Timeout(0.2), retry=policy
    ).shop(shop_id=2, access_token=ACCESS)
    with pytest.raises(TransportError) as caught:
        shop.get_tracking_number("2404098R48U37H")
    assert caught.value.timeout and caught.value.retryable
    assert sleeps == [0.01, 0.02]
    assert len(accepted) == 3


def test_a_webhook_send_that_timed_out_is_not_repeated(silent_server):
    url, accepted = silent_server
    policy, sleeps = recording_policy(attempts=3, base_delay=0.01)
    robot = WeComRobot(key=SECRET_KEY, base_url=url, timeout=httpx.Timeout(0.2), retry=policy)
    with pytest.raises(TransportError) as caught:
        robot.send_text("hello")
    assert caught.value.maybe_applied and not caught.value.retryable
    assert sleeps == [] and len(accepted) == 1


def test_a_refused_connection_is_retryable_even_for_a_send(closed_port):
    policy, sleeps = recording_policy(attempts=2, base_delay=0.01)
    robot = WeComRobot(key=SECRET_KEY, base_url=closed_port, retry=policy)
    with pytest.raises(TransportError) as caught:
        robot.send_markdown("**hi**")
    assert not caught.value.maybe_applied and caught.value.retryable and not caught.value.timeout
    assert sleeps == [0.01]


def test_transport_errors_and_logs_never_carry_secrets(closed_port, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "stores", "notifications"):
        caplog.set_level(logging.DEBUG, logger=name)
    policy, _ = recording_policy(attempts=2, base_delay=0.001)
    errors: list[PlatformError] = []
    clients = [
        lambda: WeComRobot(key=SECRET_KEY, base_url=closed_port, retry=policy).send_text("x"),
        lambda: (
            ShopeeClient(partner_id=1, partner_key=PARTNER_KEY, base_url=closed_port, retry=policy)
            .shop(shop_id=2, access_token=ACCESS)
            .get_tracking_number("SN1")
        ),
        lambda: ShopeeClient(
            partner_id=1, partner_key=PARTNER_KEY, base_url=closed_port, retry=policy
        ).refresh_access_token(ACCESS, 2),
        lambda: OzonClient(client_id=1, api_key=API_KEY, base_url=closed_port, retry=policy).verify(),
    ]
    for call in clients:
        with pytest.raises(PlatformError) as caught:
            call()
        errors.append(caught.value)
    texts = [caplog.text] + [f"{e!s} {e!r} {e.args}" for e in errors]
    assert "retrying" in caplog.text
    for text in texts:
        for secret in (SECRET_KEY, PARTNER_KEY, ACCESS, API_KEY):
            assert secret not in text
    assert all(e.__context__ is None and e.__cause__ is None for e in errors)


def test_redaction_masks_known_values_and_sensitive_parameters():
    redact = Redactor("my-secret-value")
    text = redact("GET /x?partner_id=1&sign=abc123&access_token=zzz&key=kkk&code=ccc uses my-secret-value")
    assert text == "GET /x?partner_id=1&sign=***&access_token=***&key=***&code=*** uses ***"
    assert redact_params('{"refresh_token": "rrr", "shop_id": 5} Api-Key: aaa') == (
        '{"refresh_token": "***", "shop_id": 5} Api-Key: ***'
    )


def test_retry_policy_honours_hints_up_to_its_ceiling():
    policy = RetryPolicy(attempts=4, base_delay=0.5, max_delay=2, max_retry_after=10, jitter=0)
    assert [policy.delay(attempt=n, retry_after=None) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2, None]
    assert policy.delay(attempt=1, retry_after=5) == 5
    assert policy.delay(attempt=1, retry_after=60) is None  # a robot's next minute is the caller's to schedule


def test_from_settings_reads_the_base_urls_and_the_fbs_list_version(settings):
    settings.SHOPEE_BASE_URL = "http://sim.test/shopee/"
    settings.OZON_BASE_URL = "http://sim.test/ozon"
    settings.WECOM_BASE_URL = "http://sim.test/wecom"
    settings.OZON_FBS_LIST_VERSION = "v3"
    with ShopeeClient.from_settings(partner_id=1, partner_key=PARTNER_KEY) as shopee:
        assert shopee.base_url == "http://sim.test/shopee"
    with OzonClient.from_settings(client_id=1, api_key=API_KEY) as ozon:
        assert (ozon.base_url, ozon.fbs_list_version) == ("http://sim.test/ozon", "v3")
    with WeComRobot.from_settings(key=SECRET_KEY, timeout=3) as robot:
        assert robot.base_url == "http://sim.test/wecom" and robot.timeout.read == 3
