"""The per-test world of the permission matrix, built through the factories and the real services
(rbac bindings through binding_bootstrap, so guardian and the audit log are in step).

Store A (Shopee) is the store under test and Z is A's Ozon store; B is another store. Everything on
A's side carries MARKER in its name, so a response can be searched for it; nothing else does.
"""

from __future__ import annotations

from functools import cached_property

from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from core.permissions import forget_permissions
from core.testing import password_login, verified_login
from notifications.models import Delivery, MessageTemplate, Robot, Route, SentMessage
from orders.models import AfterSalesCase, Order, StockLevel, StoreSettings
from rbac import services as rbac
from rbac.models import AccessRequest, ExceptionGrant, PositionRole, Role, RoleBinding
from rbac.permissions import load_permissions
from reports.models import ExchangeRate, SkuCost
from security.models import SecurityPolicy
from staff.models import ApiToken, Department, Leave, Position
from stores.models import OzonCredential, ShopeeApp, ShopeeCredential, Store, StoreGroup
from tests.factories import (
    DepartmentFactory,
    PositionFactory,
    RobotFactory,
    ShopeeAppFactory,
    StaffFactory,
    StoreFactory,
    SuperuserFactory,
)

MARKER = "Alpha甲"

Staff = get_user_model()

# Columns that move on their own (sign-in stamps, OTP counters): not "a change" made by the call.
VOLATILE = {
    "last_login",
    "last_active",
    "last_t",
    "drift",
    "last_used_at",
    "throttling_failure_timestamp",
    "throttling_failure_count",
}
WATCHED = [
    Staff,
    Department,
    Position,
    Store,
    ShopeeApp,
    ShopeeCredential,
    OzonCredential,
    Role,
    Role.permissions.through,
    PositionRole,
    RoleBinding,
    AccessRequest,
    ExceptionGrant,
    Group,
    Staff.groups.through,
    ApiToken,
    ApiToken.stores.through,
    TOTPDevice,
    StaticDevice,
    StaticToken,
    Robot,
]
# The orders app's rows (orders, after-sales and stock pages; work settings).
WATCHED += [Order, AfterSalesCase, StockLevel, StoreSettings, StoreSettings.on_duty.through]
# Deliveries and the messages sent (notifications' delivery pages: a retry changes a delivery's state).
WATCHED += [Delivery, SentMessage]
# Routes, store groups and message templates (notifications' route and template pages, stores' group pages).
WATCHED += [Route, MessageTemplate, StoreGroup, StoreGroup.stores.through]
# The security policy and the sign-in failures behind lockouts (the security pages).
WATCHED += [SecurityPolicy, AccessAttempt]
# Leave (sop's leave pages: recording and cancelling leave).
WATCHED += [Leave]
# SKU costs and exchange rates (reports' company pages: the cost import, a rate set).
WATCHED += [SkuCost, ExchangeRate]
# Access review campaigns and their items (rbac's review pages: a campaign started, items decided).
WATCHED += [apps.get_model("rbac", "AccessReview"), apps.get_model("rbac", "ReviewItem")]
# The company's WeCom settings (staff's WeCom page: sign-in, the directory import).
WATCHED += [apps.get_model("staff", "WeComSettings")]
# A store's ads alert thresholds (ads' store page).
WATCHED += [apps.get_model("ads", "AdsStore")]
# An Ozon store's Performance API keys (stores' Performance keys page and test).
WATCHED += [apps.get_model("stores", "OzonPerformanceCredential")]


def _state_sql() -> str:
    parts = []
    for model in WATCHED:
        meta = model._meta
        columns = [connection.ops.quote_name(f.column) for f in meta.concrete_fields if f.column not in VOLATILE]
        parts.append(
            f"SELECT '{meta.label}', md5(coalesce(string_agg(ROW({', '.join(columns)})::text, '|' "
            f"ORDER BY {connection.ops.quote_name(meta.pk.column)}), '')) "
            f"FROM {connection.ops.quote_name(meta.db_table)}"
        )
    return " UNION ALL ".join(parts)


def db_state() -> dict[str, str]:
    """A fingerprint of every row a console call could change (volatile columns left out), per table,
    in one query: equal before and after means the call changed nothing."""
    with connection.cursor() as cursor:
        cursor.execute(_state_sql())
        return dict(cursor.fetchall())


def bind(person, role: Role, store: Store | None, reason: str = "permission matrix") -> RoleBinding:
    return rbac.binding_bootstrap(staff=person, role=role, store=store, reason=reason)


class World:
    """Store A (the store under test), its Ozon store Z, store B (another store), and their data.

    Built once for tests/permissions inside a transaction that is rolled back at the end; every test
    runs in a savepoint of its own (rolled back after it) and starts with `reset()`, so each test sees
    the world exactly as built whatever the tests before it did.
    """

    marker = MARKER
    other_marker = "Bravo"  # everything on store B's side

    def __init__(self, *, needs=()):
        """`needs`: the (permissions, where) pairs of the routes to play; their roles and personas are
        made with the world (others are made in the test that asks for them)."""
        self.root = SuperuserFactory(name="root-matrix", username="root-matrix")
        self.roles = {r.key: r for r in Role.objects.filter(builtin=True)}
        self._need_roles: dict[frozenset, Role] = {}
        self._test_roles: dict[frozenset, Role] = {}
        self._personas: dict[tuple, object] = {}
        self._test_personas: dict[tuple, object] = {}
        self._sessions: dict[int, str] = {}
        self._build_roles_and_directory()
        self._build_stores()
        self._build_personas(needs)  # first: their bindings' audit events are older than A's own
        self._build_store_a()
        self._build_store_b()
        self._build_orders()
        self._build_connections()
        self._build_deliveries()
        self._build_routes()

    def _build_roles_and_directory(self) -> None:
        self.clerk_role = self._role("matrix-clerk", {"orders_view", "reports_view"})
        self.orders_role = self._role("matrix-orders", {"orders_view"})
        self.refunds_role = self._role("matrix-refunds", {"after_sales_view", "after_sales_approve_refund"})
        self.spare_role = self._role("matrix-spare", {"ads_view"})  # unused: to edit and delete
        self.department = DepartmentFactory(name="运营部-matrix")
        self.position = PositionFactory(name="店员-matrix", department=self.department)
        self.empty_department = DepartmentFactory(name="空部门-matrix")
        self.empty_position = PositionFactory(name="空岗位-matrix", department=None)

    def _build_stores(self) -> None:
        a_owner, a_backup = StaffFactory(name=f"{MARKER}-店主"), StaffFactory(name=f"{MARKER}-备份店主")
        self.store_a = StoreFactory(
            platform="shopee",
            site="SG",
            name=f"{MARKER}店",
            primary_owner=a_owner,
            backup_owner=a_backup,
            emergency_contact=f"{MARKER}-值班电话",
        )
        self.store_z = StoreFactory(
            platform="ozon", site="RU", name=f"{MARKER}-Ozon店", primary_owner=a_owner, backup_owner=a_backup
        )
        self.store_b = StoreFactory(
            platform="shopee",
            site="MY",
            name="Bravo乙店",
            primary_owner=StaffFactory(name="Bravo-店主"),
            backup_owner=StaffFactory(name="Bravo-备份店主"),
        )

    def _build_store_a(self) -> None:
        """A's clerk (a binding, an exception grant; they also manage the company's 运营部), an applicant
        with a pending request, someone who works in A and B, and A's group robot."""
        self.clerk = StaffFactory(name=f"{MARKER}-店员", department=self.department, position=self.position)
        Department.objects.filter(pk=self.department.pk).update(manager=self.clerk)
        self.binding = bind(self.clerk, self.clerk_role, self.store_a)
        self.grant = rbac.exception_grant(
            actor=self.root, staff=self.clerk, store=self.store_a, permission="finance_view", reason="permission matrix"
        )
        self.applicant = StaffFactory(name=f"{MARKER}-申请人", department=getattr(self, "managed_department", None))
        bind(self.applicant, self.clerk_role, self.store_a)
        self.request = rbac.access_request_create(
            actor=self.root,
            staff=self.applicant,
            store=self.store_a,
            role=self.refunds_role,
            reason="permission matrix",
        )
        # Someone who works in both A and B: B's people may see them, but nothing of what they do in A.
        self.shared = StaffFactory(name="Shared-两店员工", department=self.department)
        bind(self.shared, self.clerk_role, self.store_a)
        bind(self.shared, self.orders_role, self.store_b)
        rbac.exception_grant(
            actor=self.root,
            staff=self.shared,
            store=self.store_a,
            permission="reports_export",
            reason="permission matrix",
        )
        self.robot = RobotFactory(name=f"{MARKER}店-客服部-新订单", store=self.store_a, department=self.department)
        self.event = AuditEvent.objects.filter(store=self.store_a, target_label__contains=MARKER).order_by("id").first()

    def _build_store_b(self) -> None:
        """The same kinds of rows on B, so "other store" lists have rows of their own to show."""
        self.clerk_b = StaffFactory(name="Bravo-店员", department=self.department, position=self.position)
        bind(self.clerk_b, self.clerk_role, self.store_b)
        rbac.exception_grant(
            actor=self.root,
            staff=self.clerk_b,
            store=self.store_b,
            permission="finance_view",
            reason="permission matrix",
        )
        applicant_b = StaffFactory(name="Bravo-申请人")
        bind(applicant_b, self.clerk_role, self.store_b)
        rbac.access_request_create(
            actor=self.root, staff=applicant_b, store=self.store_b, role=self.refunds_role, reason="permission matrix"
        )
        RobotFactory(name="Bravo乙店-客服部-新订单", store=self.store_b)

    def _build_deliveries(self) -> None:
        """A failed delivery and a sent message on A's robot, and the same on B's (notifications' delivery pages)."""
        from events.models import Event
        from notifications.models import DeliveryState

        b_robot = Robot.objects.filter(store=self.store_b).order_by("pk").first()
        for store, robot in ((self.store_a, self.robot), (self.store_b, b_robot)):
            event = Event.objects.create(kind="order.new", store=store, dedupe_key=f"matrix:{store.pk}")
            dead = Delivery.objects.create(
                event=event,
                robot=robot,
                store=store,
                event_kind="order.new",
                state=DeliveryState.DEAD,
                content=f"订单号:{store.name}-1",
                attempts=10,
                last_error="ServerError: 502",
            )
            message = SentMessage.objects.create(
                robot=robot, store=store, msgtype="text", content=f"订单号:{store.name}-0", sent_at=event.created_at
            )
            if store == self.store_a:
                self.dead_delivery, self.sent_message = dead, message

    def _build_routes(self) -> None:
        """A route on A's robot and one on B's; a store group over A and B (its name is no store's); a
        customized template (notifications' route, group and template pages)."""
        b_robot = Robot.objects.filter(store=self.store_b).order_by("pk").first()
        self.route = Route.objects.create(
            name=f"{MARKER}-新单路由", robot=self.robot, store=self.store_a, event_kinds=["order.new"]
        )
        Route.objects.create(name="Bravo-新单路由", robot=b_robot, store=self.store_b, event_kinds=["order.new"])
        self.store_group = StoreGroup.objects.create(name="matrix-组")
        self.store_group.stores.add(self.store_a, self.store_b)
        MessageTemplate.objects.create(event_kind="order.new", body="{store} 新订单 {order_id}")

    def _build_orders(self) -> None:
        """An order, an after-sales case and a low stock level on A, the same on B (the orders pages)."""
        from orders.services import cases_upsert_page, orders_upsert_page, stock_upsert_page
        from tests.orders.rows import case, order, stock

        for store, name in ((self.store_a, MARKER), (self.store_b, self.other_marker)):
            orders_upsert_page(store=store, rows=[order(1, order_id=f"{name}-ORD-1", buyer_name=f"{name}-买家")])
            cases_upsert_page(store=store, rows=[case(1, case_id=f"{name}-RET-1", order_ref=f"{name}-ORD-1")])
            stock_upsert_page(store=store, rows=[stock(1, 2)])
        self.order = Order.objects.get(store=self.store_a)
        self.case = AfterSalesCase.objects.get(store=self.store_a)
        self.stock = StockLevel.objects.get(store=self.store_a)

    def _build_connections(self) -> None:
        self.app = ShopeeAppFactory(name="matrix app")
        self.credential = ShopeeCredential.objects.create(
            store=self.store_a, app=self.app, access_token="matrix-access", refresh_token="matrix-refresh"
        )

    def _build_personas(self, needs) -> None:
        """A role per set of permissions the routes need, the personas holding them, their sessions."""
        for perms in sorted({frozenset(p) for p, _where in needs}, key=sorted):
            self._need_roles[perms] = self._role(f"matrix:{len(self._need_roles)}", perms)
        for perms, where in sorted(set(needs), key=lambda pair: (sorted(pair[0]), pair[1])):
            for persona in (
                "none",
                "super",
                "no_2fa",
                "this",
                "other",
                "b_admin",
                "lacks",
                "allstore",
                "djstaff",
                "manager",
            ):
                key = self._persona_key(persona, perms, self.store(where))
                if key not in self._personas:
                    self._personas[key] = self._make_persona(persona, perms, self.store(where))
        self._open_sessions()

    def reset(self) -> None:
        """Back to the world as built. The database is (each test's savepoint was rolled back); the
        Python objects here are never changed by a test (code that changes a row loads its own copy),
        so only the per-test caches and the rights cached on the personas are dropped."""
        self._test_roles, self._test_personas = {}, {}
        for person in self._personas.values():
            forget_permissions(person)
        self.simulator = self.ozon_seller = self.shopee_shop_id = None

    # ------------------------------------------------------------------------------------------ helpers

    def _role(self, name: str, perms) -> Role:
        return rbac.role_create(actor=self.root, name=name, permissions=sorted(perms))

    def role_for(self, needs: frozenset[str]) -> Role:
        """A role holding exactly `needs`: made with the world, or in the test for a set not known then."""
        if needs in self._need_roles:
            return self._need_roles[needs]
        if needs not in self._test_roles:
            self._test_roles[needs] = self._role(f"matrix:test:{len(self._test_roles)}", needs)
        return self._test_roles[needs]

    def store(self, where: str) -> Store:
        return {"a": self.store_a, "z": self.store_z, "b": self.store_b}[where]

    @cached_property
    def a_side_store_ids(self) -> set[int]:
        return {self.store_a.pk, self.store_z.pk}

    @cached_property
    def a_side_staff_ids(self) -> set[int]:
        """People who work only in A (its owners, its clerk, the applicant)."""
        return {self.store_a.primary_owner_id, self.store_a.backup_owner_id, self.clerk.pk, self.applicant.pk}

    @staticmethod
    def _persona_key(persona: str, needs: frozenset[str], store: Store) -> tuple:
        if persona in ("none", "super", "b_admin", "djstaff", "manager"):
            return (persona,)
        if persona == "no_2fa":
            return (persona, store.pk)
        if persona == "allstore":
            return (persona, needs)
        return (persona, needs, store.pk)

    def lacking_role(self, needs: frozenset[str]) -> Role:
        """A role with one ordinary right that is not among `needs` (so its holder works in the store,
        sees it, yet lacks what the route asks for)."""
        spare = next(p for p in ("ads_view", "inventory_view", "finance_view") if p not in needs)
        return self.role_for(frozenset({spare}))

    def persona(self, persona: str, *, needs: frozenset[str], store: Store):
        """The person playing `persona` for a route on `store` (None for anonymous)."""
        if persona == "anonymous":
            return None
        key = self._persona_key(persona, frozenset(needs), store)
        person = self._personas.get(key) or self._test_personas.get(key)
        if person is None:
            person = self._test_personas[key] = self._make_persona(persona, frozenset(needs), store)
        person.refresh_from_db()
        return person

    def _make_persona(self, persona: str, needs: frozenset[str], store: Store):
        n = len(self._personas) + len(self._test_personas)
        person = StaffFactory(name=f"P-{persona}-{n}", username=f"persona-{persona}-{n}", is_staff=persona == "djstaff")
        if persona == "no_2fa":
            bind(person, self.roles["store_admin"], store)  # an admin: the second factor is required
        elif persona == "this":
            bind(person, self.role_for(needs), store)
        elif persona == "other":
            bind(person, self.role_for(needs), self.store_b)
        elif persona == "super":
            bind(person, self.roles["super_admin"], None)
        elif persona == "b_admin":  # every right on B: the widest view of another store
            bind(person, self.roles["store_admin"], self.store_b)
        elif persona == "lacks":  # works in the store, without the route's rights there; holds them on B
            bind(person, self.lacking_role(needs), store)
            bind(person, self.role_for(needs), self.store_b)
        elif persona == "allstore":  # the route's role on every store, without being a super admin
            bind(person, self.role_for(needs), None)
        elif persona == "manager":  # manages a department (A's applicant joins it with store A), no binding
            self.managed_department = DepartmentFactory(name=f"客服部-matrix-{n}", manager=person)
        # djstaff: Django's is_staff flag, no binding at all
        if persona != "no_2fa":
            TOTPDevice.objects.create(user=person, name="default", confirmed=True)
        return person

    def sign_in(self, client, persona: str, person) -> None:
        """Sign the client in as the persona: verified_login (password_login for no_2fa). The sessions of
        the personas made with the world were signed in once then; the client just takes the cookie."""
        if person is None:
            return
        cookie = self._sessions.get(person.pk)
        if cookie is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = cookie
        elif persona == "no_2fa":
            password_login(client, person)
        else:
            verified_login(client, person)

    def _open_sessions(self) -> None:
        for key, person in self._personas.items():
            client = Client()
            self.sign_in(client, key[0], person)
            self._sessions[person.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value

    # ------------------------------------------------------------------------------------------ simulators

    def connect(self, simulator, settings_fixture) -> None:
        """Point the console at the simulators: store A becomes a simulated Shopee shop of the app's
        partner, a simulated Ozon seller stands behind store Z's keys, A's group robot is a simulated one."""
        settings_fixture.SHOPEE_BASE_URL = simulator.shopee_url
        settings_fixture.OZON_BASE_URL = simulator.ozon_url
        settings_fixture.OZON_PERFORMANCE_BASE_URL = f"{simulator.base_url}/ozon-performance"
        control = simulator.control
        partner = control.create_partner(name="matrix partner")
        shop = control.create_shop(partner_id=partner["partner_id"], region="SG")
        app = ShopeeApp.objects.get(pk=self.app.pk)  # a copy: the world's objects stay as built
        app.partner_id, app.partner_key = partner["partner_id"], partner["partner_key"]
        app.save()
        Store.objects.filter(pk=self.store_a.pk).update(shop_id=str(shop["shop_id"]))
        self.shopee_shop_id, self.simulator = shop["shop_id"], simulator
        seller = control.create_seller(name="matrix seller")
        OzonCredential.objects.create(store=self.store_z, client_id=seller["client_id"], api_key=seller["api_key"])
        self.ozon_seller = control.create_seller(name="matrix seller, new keys")
        settings_fixture.WECOM_BASE_URL = simulator.wecom_url
        robot = Robot.objects.get(pk=self.robot.pk)
        robot.webhook_key = control.create_robot(name="matrix group")["key"]
        robot.save()

    def shopee_code(self) -> str:
        """A fresh single-use authorization code for store A's simulated shop (after connect())."""
        partner_id = ShopeeApp.objects.values_list("partner_id", flat=True).get(pk=self.app.pk)
        return self.simulator.control.issue_code(self.shopee_shop_id, partner_id=partner_id)

    # ------------------------------------------------------------------------------------------ per-persona objects

    def own_request(self, me) -> AccessRequest:
        """A pending request `me` made for themselves on A, when they work there; else the world's request."""
        rights = load_permissions(me) if me is not None else None
        if rights is None or not (rights.super_admin or rights.perms_on(self.store_a.pk)):
            return self.request
        return rbac.access_request_create(
            actor=me, staff=me, store=self.store_a, role=self.orders_role, reason="my own request"
        )
