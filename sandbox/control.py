"""A small httpx client for the simulators' control API (used by tests and by demo seeding).

control = Control("http://127.0.0.1:8900")
control = Control("http://127.0.0.1:8000/sandbox", token=settings.SHOPCREW_SANDBOX_CONTROL_TOKEN)  # in the console
partner = control.create_partner()
shop = control.create_shop(partner_id=partner["partner_id"])
control.seed_orders(shop["shop_id"], count=10_000)
"""

from contextlib import contextmanager

import httpx


class ControlError(RuntimeError):
    """The control API refused a request."""


def auth_headers(token: str | None) -> dict:
    """The header that opens the control API mounted in the console (the standalone server needs none)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


class Control:
    """Methods mirror the control API routes one to one; each returns the decoded JSON answer. `token`: the
    console's control token, for the simulators mounted in a console in demo mode."""

    def __init__(self, base_url: str, *, timeout: float = 30.0, token: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=f"{self.base_url}/control/", timeout=timeout, headers=auth_headers(token))

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, body: dict | None = None, params: dict | None = None):
        response = self.http.request(method, path, json=body if method == "POST" else None, params=params)
        if response.status_code >= 400:
            raise ControlError(f"{method} /control/{path}: {response.status_code} {response.text}")
        return response.json()

    def _post(self, route: str, /, **body):
        return self._call("POST", route, {k: v for k, v in body.items() if v is not None})

    # world
    def overview(self) -> dict:
        return self._call("GET", "")

    def reset(self, *, keep_data: bool = False) -> dict:
        """Empty the world, or with keep_data only rewind the clock, restore the config and disarm faults."""
        return self._post("reset", keep_data=keep_data or None)

    def clock(self) -> dict:
        return self._call("GET", "clock")

    def advance(self, seconds: float) -> float:
        """Move the simulated clock forward; returns the new simulated time."""
        return self._post("clock/advance", seconds=seconds)["now"]

    def config(self, **sections) -> dict:
        """Change settings, e.g. config(wecom={"window": "fixed"}); returns the whole config."""
        return self._call("POST", "config", sections) if sections else self._call("GET", "config")

    @contextmanager
    def configured(self, **sections):
        """Apply settings for the duration of a with-block, then restore the previous values."""
        before = self._call("GET", "config")
        self.config(**sections)
        try:
            yield
        finally:
            self.config(**{name: {key: before[name][key] for key in values} for name, values in sections.items()})

    # Shopee
    def create_partner(self, *, partner_id: int | None = None, partner_key: str | None = None, name: str = "") -> dict:
        return self._post("shopee/partners", partner_id=partner_id, partner_key=partner_key, name=name)

    def create_shop(
        self, *, shop_id: int | None = None, region: str = "SG", partner_id: int | None = None, name: str | None = None
    ) -> dict:
        return self._post("shopee/shops", shop_id=shop_id, region=region, partner_id=partner_id, name=name)

    def shop(self, shop_id: int) -> dict:
        return self._call("GET", f"shopee/shops/{shop_id}")

    def issue_code(self, shop_id: int, *, partner_id: int | None = None, days: int | None = None) -> str:
        return self._post(f"shopee/shops/{shop_id}/code", partner_id=partner_id, days=days)["code"]

    def issue_tokens(self, shop_id: int, *, partner_id: int | None = None) -> dict:
        return self._post(f"shopee/shops/{shop_id}/tokens", partner_id=partner_id)

    def deauthorize(self, shop_id: int, *, partner_id: int | None = None) -> dict:
        return self._post(f"shopee/shops/{shop_id}/deauthorize", partner_id=partner_id)

    def seed_orders(self, shop_id: int, *, count: int, **options) -> dict:
        """options: days, from, to, seed, cancel_ratio, return_ratio, cod_ratio."""
        return self._post(f"shopee/shops/{shop_id}/orders", count=count, **options)

    def seed_returns(self, shop_id: int, *, count: int, **options) -> dict:
        return self._post(f"shopee/shops/{shop_id}/returns", count=count, **options)

    def seed_items(self, shop_id: int, *, count: int, **options) -> dict:
        """options: model_ratio, stock_min, stock_max, seed."""
        return self._post(f"shopee/shops/{shop_id}/items", count=count, **options)

    def set_stock(
        self, shop_id: int, *, item_id: int, stock: int, model_id: int | None = None, reserved: int | None = None
    ) -> dict:
        return self._post(
            f"shopee/shops/{shop_id}/stock", item_id=item_id, model_id=model_id, stock=stock, reserved=reserved
        )

    def order(self, shop_id: int, order_sn: str) -> dict:
        return self._call("GET", f"shopee/shops/{shop_id}/orders/{order_sn}")

    # Ozon
    def create_seller(
        self,
        *,
        client_id: int | None = None,
        api_key: str | None = None,
        roles: list[str] | None = None,
        active: bool | None = None,
        name: str | None = None,
    ) -> dict:
        return self._post("ozon/sellers", client_id=client_id, api_key=api_key, roles=roles, active=active, name=name)

    def update_seller(self, client_id: int, **changes) -> dict:
        return self._post(f"ozon/sellers/{client_id}", **changes)

    def seed_postings(self, client_id: int, *, count: int, scheme: str = "fbs", **options) -> dict:
        return self._post(f"ozon/sellers/{client_id}/postings", count=count, scheme=scheme, **options)

    def seed_ozon_returns(self, client_id: int, *, count: int, **options) -> dict:
        return self._post(f"ozon/sellers/{client_id}/returns", count=count, **options)

    def seed_products(self, client_id: int, *, count: int, **options) -> dict:
        return self._post(f"ozon/sellers/{client_id}/products", count=count, **options)

    def set_ozon_stock(self, client_id: int, **values) -> dict:
        return self._post(f"ozon/sellers/{client_id}/stock", **values)

    def posting(self, client_id: int, posting_number: str) -> dict:
        return self._call("GET", f"ozon/sellers/{client_id}/postings/{posting_number}")

    # WeCom
    def create_robot(self, *, key: str | None = None, name: str | None = None) -> dict:
        return self._post("wecom/robots", key=key, name=name)

    def messages(self, key: str | None = None, *, since_id: int = 0) -> list[dict]:
        params = {"since_id": since_id, **({"key": key} if key else {})}
        return self._call("GET", "wecom/messages", params=params)["messages"]

    # push emitters
    def shopee_push(
        self,
        partner_id: int,
        *,
        callback_url: str | None = None,
        push_key: str | None = None,
        timeout: float | None = None,
    ) -> dict:
        """Set the partner's push subscription (push_key defaults to the partner key); without arguments, read
        it back with every queued/delivered/missed message and its attempts."""
        if callback_url is None and push_key is None and timeout is None:
            return self._call("GET", f"shopee/partners/{partner_id}/push")
        return self._post(
            f"shopee/partners/{partner_id}/push", callback_url=callback_url, push_key=push_key, timeout=timeout
        )

    def shopee_push_emit(
        self, partner_id: int, *, shop_id: int, order_sn: str, code: int = 3, status: str | None = None
    ) -> dict:
        """Queue a code 3 (order status) or 4 (tracking number) push for the order now, then flush the partner."""
        return self._post(
            f"shopee/partners/{partner_id}/push/emit", shop_id=shop_id, order_sn=order_sn, code=code, status=status
        )

    def ozon_push(
        self, client_id: int, *, url: str | None = None, timeout: float | None = None, suspend_after: int | None = None
    ) -> dict:
        """Set (or re-confirm, resuming a suspended) subscription; without arguments, its state and delivery log."""
        if url is None and timeout is None and suspend_after is None:
            return self._call("GET", f"ozon/sellers/{client_id}/push")
        return self._post(f"ozon/sellers/{client_id}/push", url=url, timeout=timeout, suspend_after=suspend_after)

    def ozon_push_ping(self, client_id: int) -> dict:
        return self._post(f"ozon/sellers/{client_id}/push/ping")

    def ozon_push_emit(self, client_id: int, *, posting_number: str, message_type: str | None = None) -> dict:
        return self._post(
            f"ozon/sellers/{client_id}/push/emit", posting_number=posting_number, message_type=message_type
        )

    def push_flush(self, *, service: str | None = None, target: int | None = None) -> dict:
        """Find status changes up to the simulated now and deliver everything pending or failed before."""
        return self._post("push/flush", service=service, target=target)

    def demo_tick(self, **body) -> dict:
        """Keep the shops producing: new orders, returns and restocks, then their pushes (POST demo/tick)."""
        return self._post("demo/tick", **body)

    # faults and the request log
    def inject(
        self,
        service: str,
        kind: str,
        *,
        target="*",
        count: int = 1,
        status: int | None = None,
        delay: float | None = None,
        path: str | None = None,
        then: str | None = None,
    ) -> dict:
        """Break the next `count` matching calls: kind is http_error, timeout, malformed_json, wrong_types,
        rate_limit or concurrency (WeCom's 45033); target is a shop_id/partner_id (shopee), Client-Id (ozon), robot
        key or corp id (wecom) or "*"."""
        return self._post(
            "faults",
            service=service,
            kind=kind,
            target=str(target),
            count=count,
            status=status,
            delay=delay,
            path=path,
            then=then,
        )

    def faults(self) -> list[dict]:
        return self._call("GET", "faults")["faults"]

    def clear_faults(self, service: str | None = None) -> dict:
        return self._post("faults/clear", service=service)

    def requests(self, *, service: str | None = None, since_id: int = 0, limit: int = 1000) -> list[dict]:
        params = {"since_id": since_id, "limit": limit, **({"service": service} if service else {})}
        return self._call("GET", "requests", params=params)["requests"]

    # WeCom server API (sandbox/wecom_server.py)
    def wecom_corp(self, corp: dict) -> dict:
        """Create or replace a corp: corpid, name, secrets {value: {kind, agentid, visible, …}}, departments,
        members, trusted_domains."""
        return self._call("POST", "wecom/corps", corp)

    def wecom_corp_get(self, corpid: str) -> dict:
        return self._call("GET", f"wecom/corps/{corpid}")

    def wecom_member(self, corpid: str, userid: str, **changes) -> dict:
        return self._call("POST", f"wecom/corps/{corpid}/members/{userid}", changes)

    def wecom_secret(self, corpid: str, secret: str, **changes) -> dict:
        """Change a secret: trusted_ips, enabled, visible, check_new_ip, new_app."""
        return self._call("POST", f"wecom/corps/{corpid}/secret", {"secret": secret, **changes})

    def wecom_scan(self, corpid: str, *, userid: str | None, redirect_uri: str, state: str = "") -> dict:
        """A sign-in code as if `userid` had scanned (None: someone outside the corp) → {code, location}."""
        return self._call(
            "POST", f"wecom/corps/{corpid}/scan", {"userid": userid, "redirect_uri": redirect_uri, "state": state}
        )

    def wecom_expire_tokens(self, corpid: str) -> dict:
        return self._call("POST", f"wecom/corps/{corpid}/expire-tokens", {})
