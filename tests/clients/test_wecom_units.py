"""WeCom content limits, checked before anything is sent: splitting, shortening, refusal."""

import pytest

from notifications.clients.wecom import (
    MARKDOWN_LIMIT,
    TEXT_LIMIT,
    WeComRobot,
    map_errcode,
    shorten_content,
    split_content,
    utf8_len,
)
from stores.clients.errors import (
    ContentTooLong,
    InvalidCredentials,
    InvalidRequest,
    PlatformError,
    RateLimited,
    ServerError,
)

# Mixed ASCII, CJK (3 bytes) and emoji (4 bytes) so byte and character counts differ.
LINES = [f"订单 {i:04d} 已发货 ✅ 📦 tracking SG{i:08d}" for i in range(400)]
CONTENT = "\n".join(LINES)


def test_split_parts_respect_the_byte_limit_and_keep_every_line_in_order():
    parts = split_content(CONTENT, limit=TEXT_LIMIT)
    assert len(parts) > 1
    assert all(utf8_len(part) <= TEXT_LIMIT for part in parts)
    assert "\n".join(parts).split("\n") == LINES  # whole lines, nothing lost, nothing repeated


def test_split_cuts_an_over_long_line_only_between_characters():
    line = "仓" * 1000 + "😀" * 300  # 3000 + 1200 bytes on one line
    parts = split_content(line, limit=MARKDOWN_LIMIT - 1)
    assert all(utf8_len(part) <= MARKDOWN_LIMIT - 1 for part in parts)
    assert "".join(parts) == line  # every part decoded cleanly, so no character was cut


def test_split_of_short_content_is_one_message_and_of_empty_content_none():
    assert split_content("hello\nworld", limit=TEXT_LIMIT) == ["hello\nworld"]
    assert split_content("\n\n", limit=TEXT_LIMIT) == []


def test_shorten_keeps_whole_lines_and_says_how_many_were_left_out():
    short = shorten_content(CONTENT, limit=TEXT_LIMIT)
    assert utf8_len(short) <= TEXT_LIMIT
    kept, last = short.split("\n")[:-1], short.split("\n")[-1]
    assert kept == LINES[: len(kept)]
    assert last == f"…and {len(LINES) - len(kept)} more"


def test_shorten_leaves_fitting_content_alone_and_accepts_a_translated_more_line():
    assert shorten_content("ok", limit=TEXT_LIMIT) == "ok"
    short = shorten_content(CONTENT, limit=500, more="……还有 {n} 条")
    assert utf8_len(short) <= 500 and short.endswith("条") and "还有" in short


def test_shorten_cuts_a_single_huge_line_at_a_character_boundary():
    short = shorten_content("库" * 2000, limit=TEXT_LIMIT)
    assert utf8_len(short) <= TEXT_LIMIT
    assert short.endswith("\n…") and set(short[:-2]) == {"库"}


def test_over_long_content_is_refused_before_any_request_is_made():
    # Nothing listens on port 9: had the client sent anything, it would fail with a TransportError instead.
    robot = WeComRobot(key="robot-secret-key", base_url="http://127.0.0.1:9")
    with pytest.raises(ContentTooLong) as text_error:
        robot.send_text("字" * 683)  # 2049 bytes
    with pytest.raises(ContentTooLong):
        robot.send_markdown("# " + "x" * MARKDOWN_LIMIT)
    with pytest.raises(InvalidRequest):
        robot.send_text("   ")
    assert "2049 bytes" in str(text_error.value)
    assert "robot-secret-key" not in repr(robot)


@pytest.mark.parametrize(
    ("errcode", "expected", "retryable"),
    [
        (93000, InvalidCredentials, False),
        (45009, RateLimited, True),
        (40058, InvalidRequest, False),
        (40008, InvalidRequest, False),
        (44004, InvalidRequest, False),
        (-1, ServerError, True),
    ],
)
def test_errcodes_map_to_typed_errors(errcode, expected, retryable):
    error = map_errcode(errcode, "msg, hint: [x], from ip: 1.2.3.4")
    assert isinstance(error, expected) and error.retryable is retryable
    assert isinstance(error, PlatformError)


def test_rate_limit_says_retry_in_the_next_minute():
    assert map_errcode(45009, "api freq out of limit").retry_after == 60
    assert isinstance(map_errcode(40058, "text.content exceed max length 2048"), ContentTooLong)
