"""WeCom robot simulator: error codes, byte limits, the 20-a-minute limiter, recording and the group page."""

import base64
import hashlib
import re

import pytest

SEND = "/cgi-bin/webhook/send"
SUFFIX = re.compile(
    r", hint: \[[^\]]+\], from ip: [\d.]+, more info at "
    r"https://open\.work\.weixin\.qq\.com/devtool/query\?e=(\d+)$"
)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def send(wecom, key: str, body) -> dict:
    response = wecom.post(SEND, params={"key": key}, json=body)
    assert response.status_code == 200  # always, whatever the outcome
    return response.json()


def text(content: str, **extra) -> dict:
    return {"msgtype": "text", "text": {"content": content, **extra}}


def test_ok_and_unknown_key(wecom, robot):
    assert send(wecom, robot["key"], text("早上好")) == {"errcode": 0, "errmsg": "ok"}
    unknown = send(wecom, "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa", text("hi"))
    assert unknown["errcode"] == 93000 and unknown["errmsg"].startswith("invalid webhook url, hint: [")
    assert SUFFIX.search(unknown["errmsg"]).group(1) == "93000"
    assert wecom.post(SEND, json=text("no key")).json()["errcode"] == 93000


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        ({"msgtype": "sticker", "sticker": {}}, 40008),
        ({"text": {"content": "no msgtype"}}, 40008),
        (text(""), 44004),
        ({"msgtype": "text"}, 44004),
        ({"msgtype": "markdown", "markdown": {"content": "   "}}, 44004),
        (text("hi", mentioned_list="zhangsan"), 40058),
        ({"msgtype": "news", "news": {"articles": []}}, 40058),
        ({"msgtype": "template_card", "template_card": {"card_type": "text_notice"}}, 40058),
    ],
)
def test_validation_errors(wecom, robot, body, errcode):
    assert send(wecom, robot["key"], body)["errcode"] == errcode


@pytest.mark.parametrize(("msgtype", "limit"), [("text", 2048), ("markdown", 4096), ("markdown_v2", 4096)])
def test_byte_limits_count_utf8_bytes(wecom, robot, msgtype, limit):
    fits = "订" * (limit // 3) + "x" * (limit % 3)
    assert len(fits.encode()) == limit
    assert send(wecom, robot["key"], {"msgtype": msgtype, msgtype: {"content": fits}})["errcode"] == 0
    over = fits[:-1] + "订"  # one character more in bytes, same length in characters
    answer = send(wecom, robot["key"], {"msgtype": msgtype, msgtype: {"content": over}})
    assert answer["errcode"] == 40058
    assert answer["errmsg"].startswith(f"{msgtype}.content exceed max length {limit}. invalid Request Parameter, hint:")


def test_twenty_first_message_within_a_minute_gets_45009(simulator, wecom, robot):
    answers = [send(wecom, robot["key"], text(f"#{n}")) for n in range(21)]
    assert [a["errcode"] for a in answers[:20]] == [0] * 20
    assert answers[20]["errcode"] == 45009 and answers[20]["errmsg"].startswith("api freq out of limit")
    other = simulator.control.create_robot()
    assert send(wecom, other["key"], text("another robot is not limited"))["errcode"] == 0
    simulator.control.advance(61)
    assert send(wecom, robot["key"], text("a minute later"))["errcode"] == 0
    assert len(simulator.control.messages(robot["key"])) == 21


def test_sliding_window_versus_fixed_window(simulator, wecom):
    sliding = simulator.control.create_robot()["key"]
    for n in range(20):
        assert send(wecom, sliding, text(str(n)))["errcode"] == 0
        simulator.control.advance(2)
    simulator.control.advance(21)  # 61 s after the first send, 23 s after the last
    assert send(wecom, sliding, text("first slot freed"))["errcode"] == 0
    assert send(wecom, sliding, text("second slot still busy"))["errcode"] == 45009

    with simulator.control.configured(wecom={"window": "fixed"}):
        fixed = simulator.control.create_robot()["key"]
        now = simulator.control.clock()["now"]
        simulator.control.advance(60 - now % 60 + 0.5)  # start of a fresh minute
        assert [send(wecom, fixed, text(str(n)))["errcode"] for n in range(21)][-2:] == [0, 45009]
        simulator.control.advance(60)
        assert send(wecom, fixed, text("new minute"))["errcode"] == 0


def test_failed_sends_count_unless_configured_otherwise(simulator, wecom):
    counted = simulator.control.create_robot()["key"]
    for _ in range(20):
        send(wecom, counted, text(""))
    assert send(wecom, counted, text("valid"))["errcode"] == 45009
    with simulator.control.configured(wecom={"count_failed": False}):
        free = simulator.control.create_robot()["key"]
        for _ in range(20):
            send(wecom, free, text(""))
        assert send(wecom, free, text("valid"))["errcode"] == 0


def test_messages_are_recorded_with_their_mentions(simulator, wecom, robot):
    send(
        wecom,
        robot["key"],
        text("请处理退款 <@lisi>", mentioned_list=["zhangsan", "@all"], mentioned_mobile_list=["13800001111"]),
    )
    send(
        wecom,
        robot["key"],
        {
            "msgtype": "markdown",
            "markdown": {"content": '# 低库存\n> 店铺 <font color="warning">VN-01</font>\n**3** items <@wangwu>'},
        },
    )
    send(wecom, robot["key"], {"msgtype": "markdown_v2", "markdown_v2": {"content": "| a | b |\n|---|---|\n| 1 | 2 |"}})
    first, second, third = simulator.control.messages(robot["key"])[-3:]
    assert first["msgtype"] == "text" and first["mentioned_list"] == ["zhangsan", "@all"]
    assert first["mentioned_mobile_list"] == ["13800001111"] and first["mentions"] == ["lisi"]
    assert second["msgtype"] == "markdown" and second["mentions"] == ["wangwu"] and second["content"].startswith("#")
    assert third["mentions"] == []

    page = wecom.get(f"/_messages/{robot['key']}/")
    assert page.status_code == 200
    assert "请处理退款" in page.text and '<span class="mention">@lisi</span>' in page.text
    assert '<div class="md-h1">低库存</div>' in page.text and '<span class="font-warning">VN-01</span>' in page.text
    assert "<table" in page.text
    assert robot["name"] in wecom.get("/_messages/").text
    assert wecom.get("/_messages/unknown-key/").status_code == 404


def test_message_page_escapes_content(simulator, wecom, robot):
    send(
        wecom,
        robot["key"],
        {
            "msgtype": "markdown",
            "markdown": {"content": "<script>alert(1)</script> [ok](https://example.com) [bad](javascript:alert(1))"},
        },
    )
    page = wecom.get(f"/_messages/{robot['key']}/").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert '<a href="https://example.com"' in page and 'href="javascript:' not in page


def test_image_and_news_messages(simulator, wecom, robot):
    image = {"base64": base64.b64encode(PNG).decode(), "md5": hashlib.md5(PNG).hexdigest()}
    assert send(wecom, robot["key"], {"msgtype": "image", "image": image})["errcode"] == 0
    assert send(wecom, robot["key"], {"msgtype": "image", "image": {**image, "md5": "0" * 32}})["errcode"] == 40058
    news = {"articles": [{"title": "日报", "description": "d", "url": "https://example.com", "picurl": ""}]}
    assert send(wecom, robot["key"], {"msgtype": "news", "news": news})["errcode"] == 0
    assert simulator.control.messages(robot["key"])[-1]["content"] == "日报"


def test_upload_media_and_file_messages(simulator, wecom, robot):
    upload = wecom.post(
        "/cgi-bin/webhook/upload_media",
        params={"key": robot["key"], "type": "file"},
        files={"media": ("report.csv", b"sku,stock\nA,1\n", "text/csv")},
    )
    answer = upload.json()
    assert answer["errcode"] == 0 and answer["type"] == "file" and isinstance(answer["created_at"], str)
    media_id = answer["media_id"]
    assert send(wecom, robot["key"], {"msgtype": "file", "file": {"media_id": media_id}})["errcode"] == 0
    assert simulator.control.messages(robot["key"])[-1]["content"] == "report.csv"
    other = simulator.control.create_robot()["key"]
    assert send(wecom, other, {"msgtype": "file", "file": {"media_id": media_id}})["errcode"] == 40007
    simulator.control.advance(3 * 86400 + 1)
    assert send(wecom, robot["key"], {"msgtype": "file", "file": {"media_id": media_id}})["errcode"] == 40007

    def upload_code(params, files=None):
        return wecom.post("/cgi-bin/webhook/upload_media", params=params, files=files).json()["errcode"]

    small = {"media": ("a.txt", b"abc", "text/plain")}
    assert upload_code({"type": "file"}, small) == 40058
    assert upload_code({"key": robot["key"], "type": "file"}, small) == 40006
    assert upload_code({"key": robot["key"], "type": "video"}, small) == 40004
    assert upload_code({"key": robot["key"], "type": "file"}, {"other": ("a.txt", b"abcdefg", "text/plain")}) == 44001
    assert (
        upload_code({"key": robot["key"], "type": "voice"}, {"media": ("a.amr", b"notamr-data", "audio/amr")}) == 40004
    )
