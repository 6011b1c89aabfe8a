"""WeComRobot against the running WeCom simulator over HTTP: delivery, mentions, limits and failures."""

import pytest

from notifications.clients.wecom import MARKDOWN_LIMIT, TEXT_LIMIT, WeComRobot, mention, shorten_content, split_content
from stores.clients.errors import InvalidCredentials, MalformedResponse, RateLimited, ServerError, TransportError

from .conftest import SHORT_TIMEOUT, wait_until


def test_text_with_mentions_and_markdown_with_inline_mentions_arrive_as_sent(make_robot, simulator):
    key, robot = make_robot()
    result = robot.send_text(
        "新订单 2404098R48U37H", mentioned_list=["zhangsan", "@all"], mentioned_mobile_list=["13800001111"]
    )
    assert (result.errcode, result.msgtype, result.content_bytes) == (0, "text", len("新订单 2404098R48U37H".encode()))
    robot.send_markdown(f'## 低库存\n> SKU-1 剩余 <font color="warning">2</font>\n{mention("lisi")}')
    text, markdown = simulator.control.messages(key)
    assert text["content"] == "新订单 2404098R48U37H"
    assert text["mentioned_list"] == ["zhangsan", "@all"] and text["mentioned_mobile_list"] == ["13800001111"]
    assert markdown["msgtype"] == "markdown" and markdown["mentions"] == ["lisi"]


def test_long_content_split_into_messages_arrives_complete_and_in_order(make_robot, simulator):
    key, robot = make_robot()
    lines = [f"- 订单 {i:05d} 已发货 📦 SG{i:012d}" for i in range(300)]
    parts = split_content("\n".join(lines), limit=MARKDOWN_LIMIT)
    assert 1 < len(parts) < 20
    for part in parts:
        robot.send_markdown(part)
    received = [m["content"] for m in simulator.control.messages(key)]
    assert "\n".join(received).split("\n") == lines


def test_shortened_content_is_accepted_at_the_byte_limit(make_robot, simulator):
    key, robot = make_robot()
    short = shorten_content("\n".join(f"退款申请 {i} 待处理" for i in range(500)), limit=TEXT_LIMIT)
    robot.send_text(short)
    assert simulator.control.messages(key)[-1]["content"].endswith("more")


def test_an_unknown_key_is_invalid_credentials(simulator, closing, sleeps, policy):
    robot = closing(WeComRobot(key="00000000-dead-beef-0000-000000000000", base_url=simulator.wecom_url, retry=policy))
    with pytest.raises(InvalidCredentials) as caught:
        robot.send_text("hello")
    assert caught.value.code == "93000" and not caught.value.retryable and sleeps == []


def test_the_21st_message_in_a_minute_is_rate_limited_and_left_to_the_caller(make_robot, simulator, request_log):
    key, robot = make_robot()
    for i in range(20):
        robot.send_text(f"message {i}")
    log = request_log("wecom")
    with pytest.raises(RateLimited) as caught:
        robot.send_text("one too many")
    assert caught.value.code == "45009" and caught.value.retry_after == 60 and caught.value.retryable
    assert len(log.calls()) == 1  # not repeated by the client
    simulator.control.advance(61)
    robot.send_text("next minute")
    assert len(simulator.control.messages(key)) == 21


@pytest.mark.parametrize(
    ("kind", "options", "expected", "delivered"),
    [
        ("timeout", {"delay": 0.6, "then": "process"}, TransportError, True),
        ("timeout", {"delay": 0.6}, TransportError, False),
        ("http_error", {"status": 502}, ServerError, False),
        ("malformed_json", {}, MalformedResponse, True),
        ("wrong_types", {}, MalformedResponse, True),
    ],
)
def test_an_ambiguous_failure_is_never_resent(
    make_robot, simulator, inject, request_log, sleeps, kind, options, expected, delivered
):
    key, robot = make_robot(timeout=SHORT_TIMEOUT)
    inject("wecom", kind, target=key, **options)
    log = request_log("wecom")
    with pytest.raises(expected) as caught:
        robot.send_text("订单已发货")
    assert caught.value.maybe_applied and not caught.value.retryable
    assert sleeps == [] and len(log.calls()) == 1
    wait_until(lambda: all(call["status"] is not None for call in log.calls()))  # held call finished
    assert len(simulator.control.messages(key)) == (1 if delivered else 0)


def test_an_explicit_refusal_from_the_robot_is_rate_limited(make_robot, simulator, inject):
    key, robot = make_robot()
    inject("wecom", "rate_limit", target=key)
    with pytest.raises(RateLimited):
        robot.send_markdown("**hi**")
    assert simulator.control.messages(key) == []
    robot.send_markdown("**hi**")  # the caller retries on purpose
    assert len(simulator.control.messages(key)) == 1
