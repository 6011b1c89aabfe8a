"""Shopee simulator, push: the lost push messages a partner may fetch and confirm as consumed (the emitter
itself, which delivers pushes to the partner's callback, is sandbox/push.py).
"""

from .common import Call, endpoint, wrong
from .tokens import body_int, json_body


@endpoint("/api/v2/push/get_lost_push_message", "GET", "public")
def get_lost_push_message(call: Call) -> dict:
    from ..push import lost_messages

    return lost_messages(call.world, call.partner_id, call.now)


@endpoint("/api/v2/push/confirm_consumed_lost_push_message", "POST", "public")
def confirm_consumed_lost_push_message(call: Call) -> dict:
    from ..push import confirm_consumed

    last_message_id = body_int(json_body(call), "last_message_id")
    if last_message_id is None or last_message_id < 0:
        raise wrong("last_message_id should be a non-negative integer")
    confirm_consumed(call.world, call.partner_id, last_message_id)
    return {}
