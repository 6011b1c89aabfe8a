"""WeCom group robot simulator (contract: platform-apis.md sections 3 and 5).

Always HTTP 200; the outcome is in `errcode`. Accepted messages are kept per robot key and shown on
`/wecom/_messages/<ref>/` as the group would see them (`ref` stands for the key in links: pages never show a key).
"""

import base64
import binascii
import hashlib
import re
import secrets
import time

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt

from .faults import malformed_body, mangle_types
from .http import (
    finish,
    gateway_error,
    json_response,
    log_call,
    mask,
    parse_json,
    raw_response,
    read_body,
    robot_ref,
)
from .state import Media, Message, Robot, World, get_world
from .wecom_render import render_message

LIMITS = {"text": 2048, "markdown": 4096, "markdown_v2": 4096}
MSGTYPES = ("text", "markdown", "markdown_v2", "image", "news", "file", "voice", "template_card")
MENTION = re.compile(r"<@([^<>\s]+)>")
MEDIA_LIMITS = {"file": 20 * 1024 * 1024, "voice": 2 * 1024 * 1024}
IMAGE_LIMIT = 2 * 1024 * 1024


class WeComError(Exception):
    def __init__(self, errcode: int, message: str):
        super().__init__(message)
        self.errcode = errcode
        self.message = message


def reply(errcode: int, message: str, request, **extra) -> dict:
    """The body WeCom answers: `ok`, or the message with its hint / from-ip / more-info suffix."""
    if errcode == 0:
        return {"errcode": 0, "errmsg": "ok", **extra}
    hint = f"{int(time.time())}_{secrets.token_hex(8)}"
    ip = request.META.get("REMOTE_ADDR", "")
    errmsg = (
        f"{message}, hint: [{hint}], from ip: {ip}, "
        f"more info at https://open.work.weixin.qq.com/devtool/query?e={errcode}"
    )
    return {"errcode": errcode, "errmsg": errmsg, **extra}


def invalid_parameter(detail: str = "") -> WeComError:
    return WeComError(40058, f"{detail}invalid Request Parameter")


def string_list(value, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_parameter(f"{name} should be a list of strings. ")
    return value


def content_of(body: dict, msgtype: str) -> tuple[dict, str]:
    obj = body.get(msgtype)
    if not isinstance(obj, dict):
        raise WeComError(44004, "empty content")
    content = obj.get("content", "")
    if not isinstance(content, str):
        raise invalid_parameter(f"{msgtype}.content should be a string. ")
    if not content.strip():
        raise WeComError(44004, "empty content")
    limit = LIMITS[msgtype]
    if len(content.encode("utf-8")) > limit:
        raise invalid_parameter(f"{msgtype}.content exceed max length {limit}. ")
    return obj, content


def check_media(world: World, key: str, obj, now: float) -> Media:
    media_id = obj.get("media_id") if isinstance(obj, dict) else None
    media = world.media.get(media_id) if isinstance(media_id, str) else None
    if media is None or media.key != key or now - media.created_at > world.config["wecom"]["media_ttl"]:
        raise WeComError(40007, "invalid media_id")
    return media


def parse_message(world: World, key: str, body, now: float) -> dict:
    """Validate one send; return the fields to record, or raise WeComError."""
    if not isinstance(body, dict):
        raise invalid_parameter()
    msgtype = body.get("msgtype")
    if msgtype not in MSGTYPES:
        raise WeComError(40008, "invalid message type")
    record = {"msgtype": msgtype, "content": "", "mentioned_list": [], "mentioned_mobile_list": [], "mentions": []}
    if msgtype in LIMITS:
        obj, content = content_of(body, msgtype)
        record["content"] = content
        if msgtype == "text":
            record["mentioned_list"] = string_list(obj.get("mentioned_list"), "text.mentioned_list")
            record["mentioned_mobile_list"] = string_list(
                obj.get("mentioned_mobile_list"), "text.mentioned_mobile_list"
            )
        if msgtype != "markdown_v2":
            record["mentions"] = MENTION.findall(content)
    elif msgtype == "image":
        record["content"] = check_image(body.get("image"))
    elif msgtype == "news":
        record["content"] = check_news(body.get("news"))
    elif msgtype in ("file", "voice"):
        media = check_media(world, key, body.get(msgtype), now)
        record["content"] = media.filename
    else:
        record["content"] = check_card(body.get("template_card"))
    return record


def check_image(obj) -> str:
    if not isinstance(obj, dict) or not isinstance(obj.get("base64"), str) or not isinstance(obj.get("md5"), str):
        raise invalid_parameter("image.base64 and image.md5 are required. ")
    try:
        data = base64.b64decode(obj["base64"], validate=True)
    except (ValueError, binascii.Error):
        raise invalid_parameter("image.base64 is invalid. ") from None
    if hashlib.md5(data).hexdigest() != obj["md5"].lower():
        raise invalid_parameter("image.md5 does not match. ")
    if len(data) > IMAGE_LIMIT:
        raise invalid_parameter(f"image size exceed max {IMAGE_LIMIT}. ")
    if not (data.startswith(b"\x89PNG") or data.startswith(b"\xff\xd8")):
        raise invalid_parameter("image should be JPG or PNG. ")
    return f"[image {len(data)} bytes]"


def check_news(obj) -> str:
    articles = obj.get("articles") if isinstance(obj, dict) else None
    if not isinstance(articles, list) or not 1 <= len(articles) <= 8:
        raise invalid_parameter("news.articles should contain 1 to 8 articles. ")
    for article in articles:
        if not isinstance(article, dict) or not article.get("title") or not article.get("url"):
            raise invalid_parameter("news.articles.title and url are required. ")
    return "\n".join(str(a["title"]) for a in articles)


def check_card(obj) -> str:
    if not isinstance(obj, dict) or obj.get("card_type") not in ("text_notice", "news_notice"):
        raise invalid_parameter("template_card.card_type is invalid. ")
    if not isinstance(obj.get("card_action"), dict):
        raise invalid_parameter("template_card.card_action is required. ")
    if obj["card_type"] == "news_notice" and not isinstance(obj.get("card_image"), dict):
        raise invalid_parameter("template_card.card_image is required. ")
    title = obj.get("main_title") if isinstance(obj.get("main_title"), dict) else {}
    return str(title.get("title", ""))


def robot_for(world: World, key: str) -> Robot | None:
    robot = world.robots.get(key)
    if robot is None and key and world.config["wecom"]["auto_create_keys"]:
        robot = world.robots[key] = Robot(key=key, name=f"Robot {mask(key)}", created_at=world.now())
    return robot


def deliver(world: World, key: str, body, request) -> dict:
    """Limiter, validation and recording, under the world lock."""
    now = world.now()
    config = world.config["wecom"]
    if not world.wecom_rate.check(key, now):
        return reply(45009, "api freq out of limit", request)
    try:
        record = parse_message(world, key, body, now)
    except WeComError as exc:
        if config["count_failed"]:
            world.wecom_rate.record(key, now)
        return reply(exc.errcode, exc.message, request)
    world.wecom_rate.record(key, now)
    world.messages.append(
        Message(id=next(world.message_ids), key=key, payload=body, time=time.time(), sim_time=now, **record)
    )
    return reply(0, "ok", request)


@csrf_exempt
def send(request):
    """POST /cgi-bin/webhook/send?key=..."""
    world = get_world()
    key = request.GET.get("key", "")
    raw = read_body(request)
    try:
        body = parse_json(raw)
    except ValueError:
        body = None
    entry = log_call(world, request, "wecom", "/cgi-bin/webhook/send", body)
    with world.lock:
        robot = robot_for(world, key)
        fault = world.faults.take("wecom", {key}, "/cgi-bin/webhook/send") if robot else None
    if robot is None:
        return finish(entry, json_response(reply(93000, "invalid webhook url", request)), "errcode:93000")
    if fault is not None:
        if fault.kind == "timeout":
            time.sleep(fault.delay)
            if fault.then != "process":
                return finish(entry, gateway_error(504), "fault:timeout")
        elif fault.kind == "http_error":
            return finish(entry, gateway_error(fault.status), "fault:http_error")
        elif fault.kind == "rate_limit":
            return finish(entry, json_response(reply(45009, "api freq out of limit", request)), "fault:rate_limit")
    if request.method != "POST":
        payload = reply(40058, "invalid Request Parameter", request)
    else:
        with world.lock:
            payload = deliver(world, key, body, request)
    outcome = f"errcode:{payload['errcode']}"
    if fault is not None and fault.kind == "malformed_json":
        return finish(entry, raw_response(malformed_body(payload)), "fault:malformed_json")
    if fault is not None and fault.kind == "wrong_types":
        payload, outcome = mangle_types(payload), "fault:wrong_types"
    return finish(entry, json_response(payload), outcome)


def media_error(request, errcode: int, message: str) -> HttpResponse:
    return json_response(reply(errcode, message, request))


@csrf_exempt
def upload_media(request):
    """POST /cgi-bin/webhook/upload_media?key=...&type=file|voice, multipart part `media`."""
    world = get_world()
    key = request.GET.get("key", "")
    entry = log_call(world, request, "wecom", "/cgi-bin/webhook/upload_media", None)
    if not key:
        return finish(entry, media_error(request, 40058, "invalid param 'key'"), "errcode:40058")
    with world.lock:
        robot = robot_for(world, key)
    if robot is None:
        return finish(entry, media_error(request, 93000, "invalid webhook url"), "errcode:93000")
    kind = request.GET.get("type", "")
    if kind not in MEDIA_LIMITS:
        return finish(entry, media_error(request, 40004, "invalid media type"), "errcode:40004")
    upload = request.FILES.get("media") if request.method == "POST" else None
    if upload is None or upload.size == 0:
        return finish(entry, media_error(request, 44001, "empty media data"), "errcode:44001")
    if upload.size <= 5:
        return finish(entry, media_error(request, 40006, "invalid file size"), "errcode:40006")
    if upload.size > MEDIA_LIMITS[kind]:
        return finish(entry, media_error(request, 45001, "media size out of limit"), "errcode:45001")
    if kind == "voice" and not upload.read(6).startswith(b"#!AMR"):
        return finish(entry, media_error(request, 40004, "invalid media type"), "errcode:40004")
    with world.lock:
        media = Media(
            media_id=secrets.token_urlsafe(33),
            key=key,
            type=kind,
            filename=upload.name or "file",
            size=upload.size,
            created_at=world.now(),
        )
        world.media[media.media_id] = media
    payload = reply(0, "ok", request, type=kind, media_id=media.media_id, created_at=str(int(media.created_at)))
    return finish(entry, json_response(payload), "errcode:0")


def message_list(request):
    """HTML: every robot with its message count."""
    world = get_world()
    with world.lock:
        robots = [
            {
                "ref": robot_ref(r.key),
                "masked": mask(r.key),
                "name": r.name,
                "count": sum(1 for m in world.messages if m.key == r.key),
            }
            for r in world.robots.values()
        ]
    return HttpResponse(render_to_string("sandbox/wecom_robots.html", {"robots": robots}))


def message_detail(request, ref: str):
    """HTML: one robot's group, messages rendered like the chat shows them, oldest first; `ref` is the robot's
    robot_ref (its key is accepted too, for whoever holds it)."""
    world = get_world()
    with world.lock:
        robot = world.robots.get(ref) or next((r for r in world.robots.values() if robot_ref(r.key) == ref), None)
        if robot is None:
            raise Http404("unknown robot")
        messages = [m for m in world.messages if m.key == robot.key]
    rendered = [
        {
            "message": m,
            "html": render_message(m),
            "when": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(m.sim_time)),
        }
        for m in messages
    ]
    context = {"robot": robot, "masked": mask(robot.key), "messages": rendered}
    return HttpResponse(render_to_string("sandbox/wecom_messages.html", context))
