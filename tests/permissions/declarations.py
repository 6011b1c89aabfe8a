"""The permission matrix: every named URL of the console, declared with its action and the outcome
each persona must get (see matrix.py for the vocabulary, world.py for the objects).

Personas: anonymous · no_2fa (a store admin of A signed in with the password only) · none (signed in,
no binding) · other (the route's role on store B) · this (the route's role on store A, or on Z for
the Ozon pages) · super (the super admin role on all stores).

A new page or endpoint fails the suite until it is declared here.
"""

from __future__ import annotations

from dataclasses import replace

from django.core import signing

from core.testing import totp_code
from rbac import selectors as rbac_selectors
from rbac import services as rbac_services
from stores.auth_views import SESSION_KEY, STATE_SALT

from .matrix import (
    ACCEPTED,
    CREATED,
    DONE,
    FORBIDDEN,
    FORM_ERROR,
    INVALID,
    LOGIN,
    NO_CONTENT,
    NOT_FOUND,
    OFFSITE,
    OK,
    REFUSED,
    SECOND_FACTOR,
    Exclusions,
    Personas,
    Route,
    api,
    everyone,
    page,
    redirect,
)

EXCLUDED = Exclusions(
    namespaces={
        "admin": "Django's admin: staff-only, signs in through accounts:login with the second factor",
        "sandbox": "the simulators of the external platforms (Shopee, Ozon, WeCom), mounted under /sandbox/ in "
        "demo mode only: fake third-party APIs, not console pages, holding no console data; their pages and control "
        "API answer super admins and the console's control token only (tests/sandbox/test_console_mount.py)",
        "push": "the platforms' push receivers (orders.receivers): machine endpoints without a session, verified by "
        "signature (Shopee) or seller (Ozon); tested in tests/orders/test_push_receivers.py",
    },
    names={
        "set_language": "Django's i18n language switch (no data)",
        "javascript-catalog": "Django's jsi18n catalogue (no data)",
    },
)

# Methods a URL accepts that other suites play (the matrix sends every other undeclared method and
# expects 405: tests/permissions/test_methods.py).
ALSO_ACCEPTS = {
    "accounts:login": {"POST"},  # the sign-in itself: tests/accounts/test_sign_in.py
    "accounts:otp_verify": {"POST"},  # the code: tests/accounts
    "accounts:otp_setup": {"POST"},  # the enrolment: tests/accounts
    "accounts:password_expired": {"POST"},  # the new password: tests/accounts/test_password_age.py
    "accounts:step_up": {"POST"},  # the code, then back to the page: tests/accounts/test_tokens.py
}

# The permissions of the role "this store" (and "other store", on B) holds for a route.
ANY_ROLE = frozenset({"orders_view"})  # any binding on the store: stores are seen by everyone working there
PERSONAL = ANY_ROLE  # personal pages: a person with an ordinary, non-admin role
USERS_VIEW = frozenset({"users_view"})
USERS_MANAGE = frozenset({"users_view", "users_manage"})
SETTINGS = frozenset({"settings_manage"})
SETTINGS_VIEW = frozenset({"settings_view"})
GRANT_ORDERS = USERS_MANAGE | {"orders_view"}  # grant the orders role: manage users and hold orders_view there
REVOKE_CLERK = USERS_MANAGE | {"orders_view", "reports_view"}  # revoke the clerk's role: hold what it gives
DECIDE_REFUNDS = USERS_MANAGE | {"after_sales_view", "after_sales_approve_refund"}  # decide the refunds request
OFFBOARD_CLERK = REVOKE_CLERK | {"finance_view"}  # offboard the clerk: end their role and their finance_view grant
# Offboarding writes one staff.offboard event, plus one per binding / grant / request it ends.
OFFBOARD_SIDE_EVENTS = ("binding.revoke", "exception.revoke", "access_request.cancel")

REASON = {"reason": "permission matrix"}


# ---------------------------------------------------------------------------------------------- builders


def performance_keys_of(seller: dict) -> dict:
    """The Performance API keys of a simulated Ozon seller (the rule sandbox/ozon_performance.py documents)."""
    from sandbox.ozon_performance import account_client_id, account_secret

    secret = account_secret(seller["client_id"], seller["api_key"])
    return {"client_id": account_client_id(seller["client_id"]), "client_secret": secret}


def performance_keys_saved(ctx) -> None:
    """Store Z holds the Performance keys of the world's simulated seller (for the Performance test)."""
    from stores.models import OzonPerformanceCredential

    OzonPerformanceCredential.objects.update_or_create(
        store=ctx.world.store_z, defaults=performance_keys_of(ctx.world.ozon_seller)
    )


def pk(getter):
    return lambda ctx: [getter(ctx.world).pk]


A = pk(lambda w: w.store_a)
Z = pk(lambda w: w.store_z)
CLERK = pk(lambda w: w.clerk)
SHARED = pk(lambda w: w.shared)
DEPARTMENT = pk(lambda w: w.department)
EMPTY_DEPARTMENT = pk(lambda w: w.empty_department)
POSITION = pk(lambda w: w.position)
EMPTY_POSITION = pk(lambda w: w.empty_position)
EVENT = pk(lambda w: w.event)
BINDING = pk(lambda w: w.binding)
REQUEST = pk(lambda w: w.request)
GRANT = pk(lambda w: w.grant)
SPARE_ROLE = pk(lambda w: w.spare_role)
CLERK_ROLE = pk(lambda w: w.clerk_role)
APP = pk(lambda w: w.app)
ROBOT = pk(lambda w: w.robot)
BUILTIN_ROLE = pk(lambda w: w.roles["customer_service"])


def reason(ctx):
    return dict(REASON)


def staff_form(ctx, **changes) -> dict:
    clerk = ctx.world.clerk
    data = {
        "username": clerk.username,
        "employee_id": clerk.employee_id,
        "name": clerk.name,
        "email": clerk.email,
        "position": clerk.position_id or "",
        "department": clerk.department_id or "",
        "mobile": clerk.mobile,
        "wecom_userid": "",
        "hire_date": "",
        "status": clerk.status,
        "notes": "edited by the matrix",
    }
    return {**data, **changes}


def new_staff_form(ctx) -> dict:
    return {
        "username": "matrix-new",
        "employee_id": "M-NEW-1",
        "name": "新员工-matrix",
        "email": "new@example.com",
        "position": "",
        "department": "",
        "mobile": "",
        "wecom_userid": "",
        "hire_date": "",
        "status": "active",
        "notes": "",
        "password": "Fresh-Matrix-Pass-77",
        "password_confirm": "Fresh-Matrix-Pass-77",
    }


def store_form(ctx, **changes) -> dict:
    store = ctx.world.store_a
    data = {
        "platform": store.platform,
        "site": store.site,
        "shop_id": store.shop_id,
        "name": store.name,
        "status": store.status,
        "primary_owner": store.primary_owner_id,
        "backup_owner": store.backup_owner_id,
        "emergency_contact": store.emergency_contact,
        "duties_note": "edited by the matrix",
        "timezone": store.timezone,
    }
    return {**data, **changes}


def new_store_form(ctx) -> dict:
    b = ctx.world.store_b
    return {
        "platform": "shopee",
        "site": "TH",
        "shop_id": "990001",
        "name": "新店-matrix",
        "status": "active",
        "primary_owner": b.primary_owner_id,
        "backup_owner": b.backup_owner_id,
        "emergency_contact": "",
        "duties_note": "",
        "timezone": "",
    }


def otp_code(ctx) -> dict:
    device = ctx.user.totpdevice_set.first() if ctx.user is not None else None
    return {"code": totp_code(device) if device else "000000"}


def give_token(ctx) -> None:
    """A live API token of the persona's own to revoke (its pk on ctx.token)."""
    from staff.token_services import api_token_issue

    ctx.token = api_token_issue(user=ctx.user, name="matrix", second_factor_passed=True)[0] if ctx.user else None


def give_clerk_a_token(ctx) -> None:
    """A live API token of someone else's (the clerk of A) to revoke (its pk on ctx.token)."""
    from staff.token_services import api_token_issue

    ctx.token = api_token_issue(user=ctx.world.clerk, name="matrix", second_factor_passed=True)[0]


def the_token(ctx) -> list:
    return [ctx.token.pk if getattr(ctx, "token", None) else 1]


def token_form(ctx) -> dict:
    return {"name": "matrix", "days": "30"}


LOCKED_ACCOUNT, LOCKED_IP = "locked-matrix", "192.0.2.99"


def lockout_in_force(ctx) -> None:
    """An account locked from one address (its failures at the limit), for the lift action."""
    from datetime import timedelta

    from axes.models import AccessAttempt, AccessAttemptExpiration
    from django.conf import settings
    from django.utils import timezone

    attempt = AccessAttempt.objects.create(
        username=LOCKED_ACCOUNT,
        ip_address=LOCKED_IP,
        user_agent="matrix",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    )
    AccessAttemptExpiration.objects.create(access_attempt=attempt, expires_at=timezone.now() + timedelta(minutes=15))


def security_policy_form(ctx) -> dict:
    return {
        "approval_fallback_allowed": "on",
        "step_up_minutes": "15",
        "admin_networks": "",
        "max_password_age_days": "",
    }


def shopee_answer(ctx) -> dict:
    """The query Shopee sends back: a state as if this persona had started the authorization of A
    (nonce in their session), a fresh single-use code from the simulator and A's shop id."""
    world, store = ctx.world, ctx.world.store_a
    nonce = f"matrix-{ctx.persona}"
    if ctx.user is not None:
        session = ctx.client.session
        session[SESSION_KEY] = {nonce: store.pk}
        session.save()
    state = signing.dumps(
        {"s": store.pk, "a": world.app.pk, "u": ctx.user.pk if ctx.user else None, "n": nonce}, salt=STATE_SALT
    )
    return {"state": state, "code": world.shopee_code(), "shop_id": world.shopee_shop_id}


def me(ctx):
    return ctx.user.pk if ctx.user is not None else None


def approval_policy_form(ctx) -> dict:
    """Only 管理用户 needs a second approver; every role by its permissions (a super-admin role always)."""
    from rbac.models import Role

    roles = {f"role_{r.pk}": "always" if r.is_super_admin else "permissions" for r in Role.objects.all()}
    return {"permissions": ["users_manage"], **roles}


def own_request(ctx):
    return [ctx.world.own_request(ctx.user).pk]


def grant_form(ctx) -> dict:
    w = ctx.world
    return {"staff": w.clerk.pk, "role": w.orders_role.pk, "store": w.store_a.pk, "expires_at": "", **REASON}


def bulk_grant(mode: str, *, confirm: bool):
    """The bulk grant form (the orders role to the clerk on A), as a preview or confirmed with the key of
    the plan the persona was shown."""

    def build(ctx) -> dict:
        w = ctx.world
        many = (
            {"stores": [w.store_a.pk], "staff": w.clerk.pk}
            if mode == "stores"
            else {"store": w.store_a.pk, "staff": [w.clerk.pk]}
        )
        data = {**many, "role": w.orders_role.pk, "expires_at": "", **REASON}
        if confirm:
            key = ""
            if ctx.user is not None:
                plan = rbac_services.bindings_bulk_grant_plan(
                    actor=ctx.user, role=w.orders_role, staff=[w.clerk], stores=[w.store_a]
                )
                key = plan.key
            data.update(step="confirm", plan_key=key)
        return data

    return build


def bulk_revoke(*, confirm: bool):
    """The bulk revoke form (the clerk's role on A), as a preview or confirmed with the plan's key."""

    def build(ctx) -> dict:
        w = ctx.world
        data = {"staff": w.clerk.pk, "store": w.store_a.pk, "role": w.clerk_role.pk, **REASON}
        if confirm:
            key = ""
            if ctx.user is not None:
                bindings = rbac_selectors.binding_list(
                    viewer=ctx.user, staff=w.clerk, store=w.store_a, role=w.clerk_role, live=True
                )
                key = rbac_services.bindings_bulk_revoke_plan(actor=ctx.user, bindings=bindings).key
            data.update(step="confirm", plan_key=key)
        return data

    return build


def robot_form(ctx, **changes) -> dict:
    w = ctx.world
    data = {
        "name": f"{w.marker}店-客服部-改名",
        "store": w.store_a.pk,
        "department": w.department.pk,
        "is_active": "on",
        "webhook_key": "",
    }
    return {**data, **changes}


# ---------------------------------------------------------------------------------------------- outcomes

PUBLIC = everyone(OK)
SIGNED_IN = page(none=OK, other=OK, this=OK)  # personal pages: anyone signed in (admins past the 2FA gate)
HOME = redirect("core:home", allowed=True)
SUPER_ONLY_PAGE = page(none=FORBIDDEN, other=FORBIDDEN, this=FORBIDDEN, super=OK)
SUPER_ONLY_POST = page(none=FORBIDDEN, other=FORBIDDEN, this=FORBIDDEN, super=DONE)
STORE_LIST = page(none=FORBIDDEN, other=OK, this=OK)  # other sees its own stores' rows, none of A's
STORE_OBJECT = page(none=FORBIDDEN, other=NOT_FOUND, this=OK)
STORE_POST = page(none=FORBIDDEN, other=NOT_FOUND, this=DONE)
DIRECTORY = page(none=FORBIDDEN, other=OK, this=OK)  # company-wide: anyone with users_view somewhere
STAFF_DIRECTORY = replace(DIRECTORY, manager=OK)  # departments and positions: department managers read them too
# lists a department manager reads too: their department's people, the audit trail by and about them
MANAGER_LIST = replace(STORE_LIST, manager=OK)
MANAGER_ELSEWHERE = replace(STORE_OBJECT, manager=NOT_FOUND)  # someone else's: not in the manager's reach

# Adding staff and stores takes the right on every store: super admins and all-store holders of it.
ALL_STORE_PAGE = replace(SUPER_ONLY_PAGE, allstore=OK)
ALL_STORE_POST = replace(SUPER_ONLY_POST, allstore=DONE)

API_LIST = api(none=FORBIDDEN, other=OK, this=OK)
API_OBJECT = api(none=FORBIDDEN, other=NOT_FOUND, this=OK)
API_SUPER_ONLY = api(none=FORBIDDEN, other=FORBIDDEN, this=FORBIDDEN, super=OK)
API_SUPER_CREATES = api(none=FORBIDDEN, other=FORBIDDEN, this=FORBIDDEN, super=CREATED)
API_SUPER_DELETES = api(none=FORBIDDEN, other=FORBIDDEN, this=FORBIDDEN, super=NO_CONTENT)
API_SIGNED_IN = api(none=OK, other=OK, this=OK)
API_ALL_STORE_CREATES = replace(API_SUPER_CREATES, allstore=CREATED)
# A new store's owners hold the store-admin role on it (rbac.permissions.OWNER_ROLE_KEY), so naming them takes
# all of that role on every store: the all-store settings role alone reaches the form, and its POST is refused.
STORE_CREATE_POST = replace(SUPER_ONLY_POST, allstore=FORBIDDEN)
API_STORE_CREATES = replace(API_SUPER_CREATES, allstore=FORBIDDEN)
API_CREATE_IN_A = api(none=FORBIDDEN, other=INVALID, this=CREATED)  # other: A is "does not exist" in the input


def _crud(prefix: str, args, *, extra: dict, audit: str, deletable) -> list[Route]:
    """The directory pages (departments, positions): anyone with users_view reads, only super admins change."""
    return [
        Route(f"staff:{prefix}_list", f"view {prefix}s", STAFF_DIRECTORY, USERS_VIEW),
        Route(
            f"staff:{prefix}_detail",
            f"view a {prefix} and the members the viewer may see",
            STAFF_DIRECTORY,
            USERS_VIEW,
            args=args,
            shows=True,
        ),
        Route(f"staff:{prefix}_create", f"{audit}.create (form)", SUPER_ONLY_PAGE, USERS_MANAGE),
        Route(
            f"staff:{prefix}_create",
            f"{audit}.create",
            SUPER_ONLY_POST,
            USERS_MANAGE,
            method="POST",
            data=lambda ctx: {"name": f"新{prefix}-matrix", "description": "", **extra},
            audit=f"{audit}.create",
        ),
        Route(f"staff:{prefix}_edit", f"{audit}.update (form)", SUPER_ONLY_PAGE, USERS_MANAGE, args=args),
        Route(
            f"staff:{prefix}_edit",
            f"{audit}.update",
            SUPER_ONLY_POST,
            USERS_MANAGE,
            method="POST",
            args=args,
            data=lambda ctx: {"name": f"改名{prefix}-matrix", "description": "edited", **extra},
            audit=f"{audit}.update",
        ),
        Route(f"staff:{prefix}_delete", f"{audit}.delete (confirm)", SUPER_ONLY_PAGE, USERS_MANAGE, args=deletable),
        Route(
            f"staff:{prefix}_delete",
            f"{audit}.delete",
            SUPER_ONLY_POST,
            USERS_MANAGE,
            method="POST",
            args=deletable,
            audit=f"{audit}.delete",
        ),
    ]


def _api_directory(basename: str, args, deletable, audit: str) -> list[Route]:
    """The directory over the API: reading needs users_view somewhere, writing a super admin."""
    body = {"name": f"API-{basename}-matrix", "description": "by the matrix"}
    return [
        Route(f"api:{basename}-list", f"list {basename}s", API_LIST, USERS_VIEW),
        Route(
            f"api:{basename}-list",
            f"{audit}.create",
            API_SUPER_CREATES,
            USERS_MANAGE,
            method="POST",
            json=True,
            data=lambda ctx: body,
            audit=f"{audit}.create",
        ),
        Route(f"api:{basename}-detail", f"view a {basename}", API_LIST, USERS_VIEW, args=args),
        Route(
            f"api:{basename}-detail",
            f"{audit}.update",
            API_SUPER_ONLY,
            USERS_MANAGE,
            method="PUT",
            args=args,
            json=True,
            data=lambda ctx: {**body, "name": f"PUT-{basename}-matrix"},
            audit=f"{audit}.update",
        ),
        Route(
            f"api:{basename}-detail",
            f"{audit}.update",
            API_SUPER_ONLY,
            USERS_MANAGE,
            method="PATCH",
            args=args,
            json=True,
            data=lambda ctx: {"description": "patched"},
            audit=f"{audit}.update",
        ),
        Route(
            f"api:{basename}-detail",
            f"{audit}.delete",
            API_SUPER_DELETES,
            USERS_MANAGE,
            method="DELETE",
            args=deletable,
            json=True,
            audit=f"{audit}.delete",
        ),
    ]


ROUTES: list[Route] = [
    # --- core ----------------------------------------------------------------------------------------------
    Route("core:home", "see my stores and panels", SIGNED_IN, ANY_ROLE, shows=True, lists=True),
    Route("core:healthz", "liveness probe", PUBLIC, ANY_ROLE),
    Route("core:readyz", "readiness probe", PUBLIC, ANY_ROLE),
    # --- accounts: sign-in, the second factor and the personal security page (not store data) --------------
    Route(
        "accounts:login",
        "the sign-in form",
        PUBLIC,
        PERSONAL,
        note="POSTing credentials is the sign-in itself (tests/accounts)",
    ),
    Route(
        "accounts:logout",
        "auth.logout",
        Personas(
            anonymous=redirect("accounts:login"),
            no_2fa=redirect("accounts:login", allowed=True),
            none=redirect("accounts:login", allowed=True),
            other=redirect("accounts:login", allowed=True),
            this=redirect("accounts:login", allowed=True),
            super=redirect("accounts:login", allowed=True),
        ),
        PERSONAL,
        method="POST",
        audit="auth.logout",
        changes=False,
    ),
    Route(
        "accounts:otp_verify",
        "the code prompt",
        Personas(
            anonymous=LOGIN,
            no_2fa=SECOND_FACTOR,
            none=redirect("core:home"),
            other=redirect("core:home"),
            this=redirect("core:home"),
            super=redirect("core:home"),
        ),
        PERSONAL,
        note="verified people are sent on; the code POST is covered by tests/accounts",
    ),
    Route(
        "accounts:otp_setup",
        "enrol an authenticator",
        Personas(anonymous=LOGIN, no_2fa=OK, none=OK, other=OK, this=OK, super=OK),
        PERSONAL,
        note="the enrolment POST is covered by tests/accounts",
    ),
    Route(
        "accounts:password_expired",
        "choose a new password (one older than the maximum age was just proved)",
        Personas(
            anonymous=LOGIN,
            no_2fa=SECOND_FACTOR,
            none=redirect("core:home"),
            other=redirect("core:home"),
            this=redirect("core:home"),
            super=redirect("core:home"),
        ),
        PERSONAL,
        note="without a password just proved in this session it sends people to sign in (the POST: tests/accounts)",
    ),
    Route("accounts:security", "my security page", SIGNED_IN, PERSONAL),
    Route(
        "accounts:wecom_login",
        "start signing in with WeCom (not switched on in the matrix's company)",
        Personas(
            anonymous=redirect("accounts:login"),
            no_2fa=SECOND_FACTOR,
            none=redirect("core:home"),
            other=redirect("core:home"),
            this=redirect("core:home"),
            super=redirect("core:home"),
        ),
        PERSONAL,
        note="switched on, it sends the browser to WeCom's QR page: tests/staff/test_wecom_sign_in.py",
    ),
    Route(
        "accounts:wecom_callback",
        "WeCom's return with a code, for a state this browser was never given",
        replace(everyone(FORBIDDEN), no_2fa=SECOND_FACTOR),
        PERSONAL,
        note="refused in words; a refusal after WeCom named someone is audited (tests/staff/test_wecom_sign_in.py)",
    ),
    # --- security: the company's security policy and the sign-in lockouts (super admins) ---------------------
    Route("security:policy_edit", "the security policy (form)", SUPER_ONLY_PAGE, SETTINGS),
    Route(
        "security:policy_edit",
        "security.policy_update",
        SUPER_ONLY_POST,
        SETTINGS,
        method="POST",
        data=security_policy_form,
        audit="security.policy_update",
    ),
    Route("rbac:approval_policy", "the approval policy (form)", SUPER_ONLY_PAGE, USERS_MANAGE),
    Route(
        "rbac:approval_policy",
        "approval_policy.update",
        SUPER_ONLY_POST,
        USERS_MANAGE,
        method="POST",
        data=approval_policy_form,
        audit="approval_policy.update",
    ),
    Route("security:lockout_list", "the sign-in lockouts in force", SUPER_ONLY_PAGE, USERS_MANAGE),
    Route(
        "security:lockout_lift",
        "auth.unlock",
        SUPER_ONLY_POST,
        USERS_MANAGE,
        method="POST",
        prepare=lockout_in_force,
        data=lambda ctx: {"kind": "pair", "username": LOCKED_ACCOUNT, "ip": LOCKED_IP},
        audit="auth.unlock",
    ),
    Route(
        "accounts:backup_codes",
        "auth.backup_codes_regenerate",
        SIGNED_IN,
        PERSONAL,
        method="POST",
        audit="auth.backup_codes_regenerate",
    ),
    Route(
        "accounts:otp_remove",
        "auth.2fa_remove",
        replace(page(none=DONE, other=DONE, this=DONE, super=REFUSED), djstaff=REFUSED),
        PERSONAL,
        method="POST",
        data=otp_code,
        audit="auth.2fa_remove",
        side_audit=("auth.2fa_verify",),
        note="refused for admins and Django staff, who must keep a second factor",
    ),
    Route(
        "accounts:step_up", "the step-up page (fresh: straight on)", page(none=HOME, other=HOME, this=HOME), PERSONAL
    ),
    Route("accounts:token_list", "my API tokens", SIGNED_IN, PERSONAL),
    Route("accounts:token_issue", "API token (form)", SIGNED_IN, PERSONAL),
    Route(
        "accounts:token_issue",
        "auth.token_issue",
        SIGNED_IN,
        PERSONAL,
        method="POST",
        data=token_form,
        audit="auth.token_issue",
        note="the answer shows the secret once; a stale second factor gets the step-up page (tests/accounts)",
    ),
    Route(
        "accounts:token_revoke",
        "auth.token_revoke",
        page(none=DONE, other=DONE, this=DONE),
        PERSONAL,
        method="POST",
        args=the_token,
        prepare=give_token,
        audit="auth.token_revoke",
    ),
    Route(
        "accounts:token_revoke",
        "auth.token_revoke (someone else's)",
        page(none=NOT_FOUND, other=NOT_FOUND, this=NOT_FOUND, super=DONE),
        PERSONAL,
        method="POST",
        args=the_token,
        prepare=give_clerk_a_token,
        audit="auth.token_revoke",
        variant="another's",
        note="only super admins revoke another person's token; to others it does not exist",
    ),
    Route("accounts:token_company_list", "everyone's API tokens", SUPER_ONLY_PAGE, PERSONAL),
    # --- staff -----------------------------------------------------------------------------------------------
    Route("staff:staff_list", "view staff", MANAGER_LIST, USERS_VIEW, shows=True, lists=True),
    Route("staff:staff_detail", "view a staff member of A", MANAGER_ELSEWHERE, USERS_VIEW, args=CLERK, shows=True),
    Route(
        "staff:staff_detail",
        "view someone who works in A and B",
        replace(page(other=OK, this=OK), manager=NOT_FOUND),
        USERS_VIEW,
        args=SHARED,
        shows=True,
        lists=True,
        variant="shared",
        note="other sees the person (they work in B too) but none of their roles or grants in A",
    ),
    Route(
        "staff:staff_create",
        "staff.create (form)",
        ALL_STORE_PAGE,
        USERS_MANAGE,
        note="only people who manage users in every store add staff",
    ),
    Route(
        "staff:staff_create",
        "staff.create",
        ALL_STORE_POST,
        USERS_MANAGE,
        method="POST",
        data=new_staff_form,
        audit="staff.create",
    ),
    Route("staff:staff_edit", "staff.update (form)", STORE_OBJECT, USERS_MANAGE, args=CLERK, shows=True),
    Route(
        "staff:staff_edit",
        "staff.update",
        STORE_POST,
        USERS_MANAGE,
        method="POST",
        args=CLERK,
        data=staff_form,
        audit="staff.update",
    ),
    Route("staff:staff_second_factor_reset", "reset 2FA (confirm page)", STORE_OBJECT, USERS_MANAGE, args=CLERK),
    Route(
        "staff:staff_second_factor_reset",
        "auth.2fa_reset (the clerk has none set up: refused, nothing done)",
        page(none=FORBIDDEN, other=NOT_FOUND, this=REFUSED, super=REFUSED),
        USERS_MANAGE,
        method="POST",
        args=CLERK,
        data=lambda ctx: {},
        audit="auth.2fa_reset",
        note="resetting a device is tested in tests/staff/test_second_factor_reset.py",
    ),
    *_crud("department", DEPARTMENT, extra={"manager": ""}, audit="department", deletable=EMPTY_DEPARTMENT),
    *_crud("position", POSITION, extra={"department": ""}, audit="position", deletable=EMPTY_POSITION),
    # --- stores ----------------------------------------------------------------------------------------------
    Route("stores:store_list", "view stores", STORE_LIST, ANY_ROLE, shows=True, lists=True),
    Route("stores:store_duties", "view the duties table", STORE_LIST, ANY_ROLE, shows=True, lists=True),
    # Searchable choosers (core.choosers): one page of what the viewer may choose there, as JSON.
    Route("stores:store_lookup", "search stores to choose from", STORE_LIST, ANY_ROLE, shows=True, lists=True),
    Route(
        "stores:store_lookup",
        "search the stores where one manages users (grant forms)",
        STORE_LIST,
        USERS_MANAGE,
        query=lambda ctx: {"scope": "users_manage"},
        shows=True,
        lists=True,
        variant="users_manage",
    ),
    Route(
        "staff:staff_lookup",
        "search the people one may see to choose from",
        STORE_LIST,
        USERS_VIEW,
        query=lambda ctx: {"scope": "view"},
        shows=True,
        lists=True,
    ),
    Route("staff:department_lookup", "search departments to choose from", DIRECTORY, ANY_ROLE),
    Route("stores:store_detail", "view store A", STORE_OBJECT, ANY_ROLE, args=A, shows=True),
    Route(
        "stores:store_create",
        "store.create (form)",
        ALL_STORE_PAGE,
        SETTINGS,
        note="only people who manage every store's settings add stores",
    ),
    Route(
        "stores:store_create",
        "store.create",
        STORE_CREATE_POST,
        SETTINGS,
        method="POST",
        data=new_store_form,
        audit="store.create",
    ),
    Route("stores:store_edit", "store.update (form)", STORE_OBJECT, SETTINGS, args=A, shows=True),
    Route(
        "stores:store_edit",
        "store.update",
        STORE_POST,
        SETTINGS,
        method="POST",
        args=A,
        data=store_form,
        audit="store.update",
    ),
    Route("stores:store_archive", "archive (confirm)", STORE_OBJECT, SETTINGS, args=A, shows=True),
    Route(
        "stores:store_archive",
        "store.update (archived)",
        STORE_POST,
        SETTINGS,
        method="POST",
        args=A,
        data=reason,
        audit="store.update",
    ),
    # --- store connections (Shopee authorization, Ozon keys) ------------------------------------------------
    Route("store_auth:shopee_authorize", "start Shopee's authorization of A", page(this=OFFSITE), SETTINGS, args=A),
    Route(
        "store_auth:shopee_callback",
        "store.authorize",
        page(none=NOT_FOUND, other=NOT_FOUND, this=DONE),
        SETTINGS,
        query=shopee_answer,
        audit="store.authorize",
        simulator=True,
        note="the signed state names A; a person who cannot manage A gets 404 and the code is not spent",
    ),
    Route(
        "store_auth:shopee_deauthorize",
        "store.deauthorize",
        STORE_POST,
        SETTINGS,
        method="POST",
        args=A,
        data=reason,
        audit="store.deauthorize",
    ),
    Route("store_auth:ozon_keys", "Ozon keys (form)", STORE_OBJECT, SETTINGS, where="z", args=Z, shows=True),
    Route(
        "store_auth:ozon_keys",
        "store.credentials_change",
        STORE_POST,
        SETTINGS,
        method="POST",
        where="z",
        args=Z,
        data=lambda ctx: {"client_id": ctx.world.ozon_seller["client_id"], "api_key": ctx.world.ozon_seller["api_key"]},
        audit="store.credentials_change",
        simulator=True,
    ),
    Route(
        "store_auth:ozon_performance_keys", "Ozon Performance keys (form)", STORE_OBJECT, SETTINGS, where="z", args=Z
    ),
    Route(
        "store_auth:ozon_performance_keys",
        "store.credentials_change",
        STORE_POST,
        SETTINGS,
        method="POST",
        where="z",
        args=Z,
        data=lambda ctx: performance_keys_of(ctx.world.ozon_seller),
        audit="store.credentials_change",
        simulator=True,
    ),
    Route(
        "store_auth:ozon_performance_test",
        "store.connection_test",
        STORE_POST,
        SETTINGS,
        method="POST",
        where="z",
        args=Z,
        prepare=lambda ctx: performance_keys_saved(ctx),
        audit="store.connection_test",
        simulator=True,
    ),
    Route(
        "store_auth:connection_test",
        "store.connection_test",
        STORE_POST,
        SETTINGS,
        method="POST",
        where="z",
        args=Z,
        audit="store.connection_test",
        simulator=True,
    ),
    Route(
        "store_auth:shopeeapp_list",
        "view the Shopee apps",
        SUPER_ONLY_PAGE,
        SETTINGS,
        note="apps serve every store: super admins only",
    ),
    Route("store_auth:shopeeapp_create", "Shopee app (form)", SUPER_ONLY_PAGE, SETTINGS),
    Route(
        "store_auth:shopeeapp_create",
        "store.credentials_change (new app)",
        SUPER_ONLY_POST,
        SETTINGS,
        method="POST",
        data=lambda ctx: {
            "name": "新应用-matrix",
            "partner_id": 7_700_001,
            "partner_key": "k" * 64,
            "environment": "simulator",
            "note": "",
            "is_active": "on",
        },
        audit="store.credentials_change",
    ),
    Route("store_auth:shopeeapp_edit", "Shopee app (form)", SUPER_ONLY_PAGE, SETTINGS, args=APP),
    Route(
        "store_auth:shopeeapp_edit",
        "store.credentials_change",
        SUPER_ONLY_POST,
        SETTINGS,
        method="POST",
        args=APP,
        data=lambda ctx: {
            "name": "matrix app, renamed",
            "partner_id": ctx.world.app.partner_id,
            "partner_key": "",
            "environment": "simulator",
            "note": "",
            "is_active": "on",
        },
        audit="store.credentials_change",
    ),
    # --- roles: the matrix, role editing, the grid, grants, requests, my duties, why -------------------------
    Route(
        "rbac:my_duties",
        "我的职责: my stores, roles and requests",
        SIGNED_IN,
        ANY_ROLE,
        shows=("this",),
        lists=True,
        note="a super admin's duties are all stores, not a list of them",
    ),
    Route("rbac:role_matrix", "the 权限矩阵", DIRECTORY, USERS_VIEW, note="roles are not store data"),
    Route(
        "rbac:role_detail",
        "a role and its holders in my stores",
        DIRECTORY,
        USERS_VIEW,
        args=CLERK_ROLE,
        shows=True,
        lists=True,
    ),
    Route("rbac:role_create", "role.create (form)", SUPER_ONLY_PAGE, USERS_MANAGE),
    Route(
        "rbac:role_create",
        "role.create",
        SUPER_ONLY_POST,
        USERS_MANAGE,
        method="POST",
        data=lambda ctx: {"name": "新角色-matrix", "description": "", "permissions": ["orders_view"]},
        audit="role.create",
    ),
    Route("rbac:role_edit", "role.update (form)", SUPER_ONLY_PAGE, USERS_MANAGE, args=SPARE_ROLE),
    Route(
        "rbac:role_edit",
        "role.update",
        SUPER_ONLY_POST,
        USERS_MANAGE,
        method="POST",
        args=SPARE_ROLE,
        data=lambda ctx: {"name": "matrix-spare-edited", "description": "", "permissions": ["ads_view", "ads_operate"]},
        audit="role.update",
    ),
    Route("rbac:role_delete", "role.delete (confirm)", SUPER_ONLY_PAGE, USERS_MANAGE, args=SPARE_ROLE),
    Route(
        "rbac:role_delete",
        "role.delete",
        SUPER_ONLY_POST,
        USERS_MANAGE,
        method="POST",
        args=SPARE_ROLE,
        data=reason,
        audit="role.delete",
    ),
    Route("rbac:position_roles", "position.roles (form)", SUPER_ONLY_PAGE, USERS_MANAGE, args=POSITION),
    Route(
        "rbac:position_roles",
        "position.roles",
        SUPER_ONLY_POST,
        USERS_MANAGE,
        method="POST",
        args=POSITION,
        data=lambda ctx: {"roles": [ctx.world.orders_role.pk]},
        audit="position.roles",
    ),
    Route("rbac:grid", "the staff × stores grid", STORE_LIST, USERS_VIEW, shows=True, lists=True),
    Route(
        "rbac:binding_grant",
        "binding.grant (form)",
        page(none=FORBIDDEN, other=OK, this=OK),
        GRANT_ORDERS,
        note="other may open the form: its choices hold only their own stores and people",
    ),
    Route(
        "rbac:binding_grant",
        "binding.grant",
        page(none=FORBIDDEN, other=INVALID, this=DONE),
        GRANT_ORDERS,
        method="POST",
        data=grant_form,
        audit="binding.grant",
    ),
    Route(
        "rbac:exception_grant",
        "exception.grant (form)",
        page(none=FORBIDDEN, other=OK, this=OK),
        USERS_MANAGE | {"reports_export"},
        note="other may open the form: its choices hold only their own stores and people",
    ),
    Route(
        "rbac:exception_grant",
        "exception.grant",
        page(none=FORBIDDEN, other=INVALID, this=DONE),
        USERS_MANAGE | {"reports_export"},
        method="POST",
        data=lambda ctx: {
            "staff": ctx.world.clerk.pk,
            "store": ctx.world.store_a.pk,
            "permission": "reports_export",
            "expires_at": "",
            **REASON,
        },
        audit="exception.grant",
    ),
    Route(
        "rbac:exception_revoke",
        "exception.revoke (confirm)",
        STORE_OBJECT,
        frozenset({"users_manage", "finance_view"}),
        args=GRANT,
        shows=True,
    ),
    Route(
        "rbac:exception_revoke",
        "exception.revoke",
        STORE_POST,
        frozenset({"users_manage", "finance_view"}),
        method="POST",
        args=GRANT,
        data=reason,
        audit="exception.revoke",
    ),
    Route("rbac:binding_revoke", "binding.revoke (confirm)", STORE_OBJECT, REVOKE_CLERK, args=BINDING, shows=True),
    Route(
        "rbac:binding_revoke",
        "binding.revoke",
        STORE_POST,
        REVOKE_CLERK,
        method="POST",
        args=BINDING,
        data=reason,
        audit="binding.revoke",
    ),
    *[
        route
        for mode in ("stores", "staff")
        for route in (
            Route(
                f"rbac:binding_bulk_grant_{mode}",
                "bulk grant (form)",
                page(none=FORBIDDEN, other=OK, this=OK),
                GRANT_ORDERS,
            ),
            Route(
                f"rbac:binding_bulk_grant_{mode}",
                "bulk grant (preview)",
                page(none=FORBIDDEN, other=INVALID, this=OK),
                GRANT_ORDERS,
                method="POST",
                data=bulk_grant(mode, confirm=False),
                preview=True,
                shows=True,
                variant="preview",
            ),
            Route(
                f"rbac:binding_bulk_grant_{mode}",
                "binding.grant (confirmed)",
                page(none=FORBIDDEN, other=INVALID, this=DONE),
                GRANT_ORDERS,
                method="POST",
                data=bulk_grant(mode, confirm=True),
                audit="binding.grant",
                variant="confirm",
            ),
        )
    ],
    Route("rbac:binding_bulk_revoke", "bulk revoke (form)", page(none=FORBIDDEN, other=OK, this=OK), REVOKE_CLERK),
    Route(
        "rbac:binding_bulk_revoke",
        "bulk revoke (preview)",
        page(none=FORBIDDEN, other=INVALID, this=OK),
        REVOKE_CLERK,
        method="POST",
        data=bulk_revoke(confirm=False),
        preview=True,
        shows=True,
        variant="preview",
    ),
    Route(
        "rbac:binding_bulk_revoke",
        "binding.revoke (confirmed)",
        page(none=FORBIDDEN, other=INVALID, this=DONE),
        REVOKE_CLERK,
        method="POST",
        data=bulk_revoke(confirm=True),
        audit="binding.revoke",
        variant="confirm",
    ),
    Route(
        "rbac:staff_offboard", "offboarding preview of A's clerk", STORE_OBJECT, OFFBOARD_CLERK, args=CLERK, shows=True
    ),
    Route(
        "rbac:staff_offboard",
        "staff.offboard",
        STORE_POST,
        OFFBOARD_CLERK,
        method="POST",
        args=CLERK,
        data=reason,
        audit="staff.offboard",
        side_audit=OFFBOARD_SIDE_EVENTS,
        note="other manages users in B only: the clerk (A only) is out of reach, 404",
    ),
    Route(
        "rbac:why",
        "why may the clerk view A's orders",
        page(none=FORBIDDEN, other=OK, this=OK),
        USERS_VIEW,
        query=lambda ctx: {"staff": ctx.world.clerk.pk, "permission": "orders_view", "store": ctx.world.store_a.pk},
        shows=True,
        note="other gets the form back: the clerk and A are not valid choices for them",
    ),
    Route(
        "rbac:access_request_list",
        "requests: to decide, mine, my stores'",
        SIGNED_IN,
        USERS_VIEW,
        shows=True,
        lists=True,
    ),
    Route("rbac:access_request_create", "ask for access (form)", SIGNED_IN, ANY_ROLE),
    Route(
        "rbac:access_request_create",
        "access_request.create (for myself on A)",
        page(none=INVALID, other=INVALID, this=DONE),
        ANY_ROLE,
        method="POST",
        data=lambda ctx: {
            "role": ctx.world.orders_role.pk,
            "permission": "",
            "store": ctx.world.store_a.pk,
            "expires_at": "",
            **REASON,
        },
        audit="access_request.create",
        note="A is not a valid choice for people who do not work there",
    ),
    Route(
        "rbac:access_request_detail",
        "a request on A",
        page(none=NOT_FOUND, other=NOT_FOUND, this=OK),
        USERS_VIEW,
        args=REQUEST,
        shows=True,
    ),
    Route(
        "rbac:access_request_approve",
        "access_request.approve",
        page(none=NOT_FOUND, other=NOT_FOUND, this=DONE),
        DECIDE_REFUNDS | USERS_VIEW,
        method="POST",
        args=REQUEST,
        data=reason,
        audit="access_request.approve",
        side_audit=("binding.grant",),
    ),
    Route(
        "rbac:access_request_batch_decide",
        "decide a batch (the world's request is alone: nothing to tick)",
        page(none=NOT_FOUND, other=NOT_FOUND, this=FORM_ERROR, super=FORM_ERROR),
        USERS_VIEW,
        method="POST",
        args=REQUEST,
        data=lambda ctx: {"decision": "reject", "reason": "permission matrix"},
        audit="access_request.reject",
        note="batches are tested in tests/rbac_pages/test_request_batches.py",
    ),
    Route(
        "rbac:access_request_approve_alone",
        "approve alone (someone else's request, while second approvers exist)",
        page(none=NOT_FOUND, other=NOT_FOUND, this=FORM_ERROR, super=FORM_ERROR),
        USERS_VIEW,
        method="POST",
        args=REQUEST,
        data=lambda ctx: {},
        audit="access_request.approve_alone",
        note="only the requester who is the sole super admin may; the world has second approvers, so this is refused",
    ),
    Route(
        "rbac:access_request_reject",
        "access_request.reject",
        page(none=NOT_FOUND, other=NOT_FOUND, this=DONE),
        DECIDE_REFUNDS | USERS_VIEW,
        method="POST",
        args=REQUEST,
        data=reason,
        audit="access_request.reject",
    ),
    Route(
        "rbac:access_request_cancel",
        "access_request.cancel (my own request)",
        page(none=NOT_FOUND, other=NOT_FOUND, this=DONE),
        ANY_ROLE,
        method="POST",
        args=own_request,
        data=lambda ctx: {"reason": ""},
        audit="access_request.cancel",
        note="this/super cancel their own request on A; none/other are shown A's request (404)",
    ),
    # --- notifications: group robots ------------------------------------------------------------------------
    Route("notifications:robot_list", "view group robots", STORE_LIST, SETTINGS_VIEW, shows=True, lists=True),
    Route("notifications:robot_detail", "view A's robot", STORE_OBJECT, SETTINGS_VIEW, args=ROBOT, shows=True),
    Route(
        "notifications:robot_create",
        "robot.create (form)",
        page(none=FORBIDDEN, other=OK, this=OK),
        SETTINGS,
        note="other may open the form: its store choices are their own stores",
    ),
    Route(
        "notifications:robot_create",
        "robot.create (on A)",
        page(none=FORBIDDEN, other=FORM_ERROR, this=DONE),
        SETTINGS,
        method="POST",
        data=lambda ctx: robot_form(ctx, name="新群-客服部-测试", webhook_key="k-matrix-1"),
        audit="robot.create",
    ),
    Route("notifications:robot_edit", "robot.update (form)", STORE_OBJECT, SETTINGS, args=ROBOT, shows=True),
    Route(
        "notifications:robot_edit",
        "robot.update",
        STORE_POST,
        SETTINGS,
        method="POST",
        args=ROBOT,
        data=robot_form,
        audit="robot.update",
    ),
    Route("notifications:robot_delete", "robot.delete (confirm)", STORE_OBJECT, SETTINGS, args=ROBOT, shows=True),
    Route(
        "notifications:robot_delete",
        "robot.delete",
        STORE_POST,
        SETTINGS,
        method="POST",
        args=ROBOT,
        audit="robot.delete",
    ),
    Route(
        "notifications:robot_test",
        "robot.test",
        STORE_POST,
        SETTINGS,
        method="POST",
        args=ROBOT,
        audit="robot.test",
        simulator=True,
    ),
    # --- audit log -------------------------------------------------------------------------------------------
    Route("audit:event_list", "view the audit log", MANAGER_LIST, USERS_VIEW, shows=True, lists=True),
    Route(
        "audit:event_export",
        "audit.export",
        MANAGER_LIST,
        USERS_VIEW,
        audit="audit.export",
        changes=False,
        shows=True,
        lists=True,
        note="other exports its own stores' events: allowed, audited, nothing of A",
    ),
    Route("audit:event_detail", "view an event of A", MANAGER_ELSEWHERE, USERS_VIEW, args=EVENT, shows=True),
    # --- API: staff and the directory -----------------------------------------------------------------------
    Route("api:staff-list", "list staff", API_LIST, USERS_VIEW, shows=True, lists=True),
    Route(
        "api:staff-list",
        "staff.create",
        API_ALL_STORE_CREATES,
        USERS_MANAGE,
        method="POST",
        json=True,
        data=lambda ctx: {
            "username": "api-new",
            "name": "API新员工",
            "password": "Fresh-Matrix-Pass-77",
            "status": "active",
        },
        audit="staff.create",
    ),
    Route("api:staff-detail", "view a staff member of A", API_OBJECT, USERS_VIEW, args=CLERK, shows=True),
    Route(
        "api:staff-detail",
        "view someone who works in A and B",
        api(other=OK, this=OK),
        USERS_VIEW,
        args=SHARED,
        variant="shared",
    ),
    Route(
        "api:staff-detail",
        "staff.update",
        API_OBJECT,
        USERS_MANAGE,
        method="PUT",
        args=CLERK,
        json=True,
        data=lambda ctx: {"username": ctx.world.clerk.username, "name": ctx.world.clerk.name, "notes": "put"},
        audit="staff.update",
    ),
    Route(
        "api:staff-detail",
        "staff.update",
        API_OBJECT,
        USERS_MANAGE,
        method="PATCH",
        args=CLERK,
        json=True,
        data=lambda ctx: {"notes": "patched"},
        audit="staff.update",
    ),
    *_api_directory("department", DEPARTMENT, EMPTY_DEPARTMENT, "department"),
    *_api_directory("position", POSITION, EMPTY_POSITION, "position"),
    # --- API: stores -----------------------------------------------------------------------------------------
    Route("api:store-list", "list stores", API_LIST, ANY_ROLE, shows=True, lists=True),
    Route(
        "api:store-list",
        "store.create",
        API_STORE_CREATES,
        SETTINGS,
        method="POST",
        json=True,
        data=new_store_form,
        audit="store.create",
    ),
    Route("api:store-detail", "view store A", API_OBJECT, ANY_ROLE, args=A, shows=True),
    Route(
        "api:store-detail",
        "store.update",
        API_OBJECT,
        SETTINGS,
        method="PUT",
        args=A,
        json=True,
        data=store_form,
        audit="store.update",
    ),
    Route(
        "api:store-detail",
        "store.update",
        API_OBJECT,
        SETTINGS,
        method="PATCH",
        args=A,
        json=True,
        data=lambda ctx: {"duties_note": "patched"},
        audit="store.update",
    ),
    Route(
        "api:store-archive",
        "store.update (archived)",
        API_OBJECT,
        SETTINGS,
        method="POST",
        args=A,
        json=True,
        data=reason,
        audit="store.update",
    ),
    # --- API: roles, bindings, requests, exception grants ---------------------------------------------------
    Route("api:me-permissions", "my own permissions per store", API_SIGNED_IN, ANY_ROLE),
    Route("api:role-list", "list roles", API_LIST, USERS_VIEW, note="roles are not store data"),
    Route(
        "api:role-list",
        "role.create",
        API_SUPER_CREATES,
        USERS_MANAGE,
        method="POST",
        json=True,
        data=lambda ctx: {"name": "API角色-matrix", "permissions": ["orders_view"]},
        audit="role.create",
    ),
    Route("api:role-detail", "view a role", API_LIST, USERS_VIEW, args=BUILTIN_ROLE),
    Route(
        "api:role-detail",
        "role.update",
        API_SUPER_ONLY,
        USERS_MANAGE,
        method="PUT",
        args=SPARE_ROLE,
        json=True,
        data=lambda ctx: {"name": "matrix-spare-put", "description": "", "permissions": ["ads_view", "ads_operate"]},
        audit="role.update",
    ),
    Route(
        "api:role-detail",
        "role.update",
        API_SUPER_ONLY,
        USERS_MANAGE,
        method="PATCH",
        args=SPARE_ROLE,
        json=True,
        data=lambda ctx: {"permissions": ["ads_view", "reports_view"]},
        audit="role.update",
    ),
    Route(
        "api:role-detail",
        "role.delete",
        API_SUPER_DELETES,
        USERS_MANAGE,
        method="DELETE",
        args=SPARE_ROLE,
        json=True,
        audit="role.delete",
    ),
    Route("api:binding-list", "list bindings", API_LIST, USERS_VIEW, shows=True, lists=True),
    Route(
        "api:binding-list",
        "binding.grant",
        API_CREATE_IN_A,
        USERS_MANAGE | {"orders_view"},
        method="POST",
        json=True,
        data=lambda ctx: {
            "staff": ctx.world.clerk.pk,
            "role": ctx.world.orders_role.pk,
            "store": ctx.world.store_a.pk,
            **REASON,
        },
        audit="binding.grant",
    ),
    Route(
        "api:binding-list",
        "access_request.create (a high-risk role: the two-person rule)",
        api(none=FORBIDDEN, other=INVALID, this=ACCEPTED),
        DECIDE_REFUNDS | USERS_VIEW,
        method="POST",
        json=True,
        data=lambda ctx: {
            "staff": ctx.world.clerk.pk,
            "role": ctx.world.refunds_role.pk,
            "store": ctx.world.store_a.pk,
            **REASON,
        },
        audit="access_request.create",
        variant="high-risk",
    ),
    Route("api:binding-detail", "view a binding on A", API_OBJECT, USERS_VIEW, args=BINDING, shows=True),
    Route(
        "api:binding-revoke",
        "binding.revoke",
        API_OBJECT,
        frozenset({"users_manage", "orders_view", "reports_view"}),
        method="POST",
        args=BINDING,
        json=True,
        data=reason,
        audit="binding.revoke",
    ),
    Route(
        "api:staff-offboard",
        "staff.offboard",
        API_OBJECT,
        OFFBOARD_CLERK,
        method="POST",
        args=CLERK,
        json=True,
        data=reason,
        audit="staff.offboard",
        side_audit=OFFBOARD_SIDE_EVENTS,
        shows=True,
    ),
    Route("api:access-request-list", "list access requests", API_LIST, USERS_VIEW, shows=True, lists=True),
    Route(
        "api:access-request-list",
        "access_request.create (for myself on A)",
        API_CREATE_IN_A,
        ANY_ROLE,
        method="POST",
        json=True,
        data=lambda ctx: {"staff": me(ctx), "role": ctx.world.orders_role.pk, "store": ctx.world.store_a.pk, **REASON},
        audit="access_request.create",
    ),
    Route("api:access-request-detail", "view a request on A", API_OBJECT, USERS_VIEW, args=REQUEST, shows=True),
    Route(
        "api:access-request-approve",
        "access_request.approve",
        API_OBJECT,
        frozenset({"users_manage", "after_sales_view", "after_sales_approve_refund"}),
        method="POST",
        args=REQUEST,
        json=True,
        data=reason,
        audit="access_request.approve",
        side_audit=("binding.grant",),
    ),
    Route(
        "api:access-request-reject",
        "access_request.reject",
        API_OBJECT,
        frozenset({"users_manage", "after_sales_view", "after_sales_approve_refund"}),
        method="POST",
        args=REQUEST,
        json=True,
        data=reason,
        audit="access_request.reject",
    ),
    Route(
        "api:access-request-cancel",
        "access_request.cancel (my own request)",
        API_OBJECT,
        ANY_ROLE,
        method="POST",
        args=lambda ctx: [ctx.world.own_request(ctx.user).pk],
        json=True,
        data=reason,
        audit="access_request.cancel",
        note="this/super cancel their own request on A; other gets A's (404)",
    ),
    Route("api:exception-grant-list", "list exception grants", API_LIST, USERS_VIEW),
    Route(
        "api:exception-grant-list",
        "exception.grant",
        API_CREATE_IN_A,
        USERS_MANAGE | {"reports_export"},
        method="POST",
        json=True,
        data=lambda ctx: {
            "staff": ctx.world.clerk.pk,
            "store": ctx.world.store_a.pk,
            "permission": "reports_export",
            **REASON,
        },
        audit="exception.grant",
    ),
    Route("api:exception-grant-detail", "view an exception grant on A", API_OBJECT, USERS_VIEW, args=GRANT),
    Route(
        "api:exception-grant-revoke",
        "exception.revoke",
        API_OBJECT,
        frozenset({"users_manage", "finance_view"}),
        method="POST",
        args=GRANT,
        json=True,
        data=reason,
        audit="exception.revoke",
    ),
    # --- API: group robots ----------------------------------------------------------------------------------
    Route("api:robot-list", "list group robots", API_LIST, SETTINGS_VIEW, shows=True, lists=True),
    Route(
        "api:robot-list",
        "robot.create (on A)",
        API_CREATE_IN_A,
        SETTINGS,
        method="POST",
        json=True,
        data=lambda ctx: {"name": "API群-客服部-测试", "store": ctx.world.store_a.pk, "webhook_key": "k-matrix-2"},
        audit="robot.create",
    ),
    Route("api:robot-detail", "view A's robot", API_OBJECT, SETTINGS_VIEW, args=ROBOT, shows=True),
    Route(
        "api:robot-detail",
        "robot.update",
        API_OBJECT,
        SETTINGS,
        method="PUT",
        args=ROBOT,
        json=True,
        data=lambda ctx: {"name": f"{ctx.world.marker}店-客服部-PUT", "store": ctx.world.store_a.pk, "is_active": True},
        audit="robot.update",
    ),
    Route(
        "api:robot-detail",
        "robot.update",
        API_OBJECT,
        SETTINGS,
        method="PATCH",
        args=ROBOT,
        json=True,
        data=lambda ctx: {"is_active": False},
        audit="robot.update",
    ),
    Route(
        "api:robot-detail",
        "robot.delete",
        api(none=FORBIDDEN, other=NOT_FOUND, this=NO_CONTENT),
        SETTINGS,
        method="DELETE",
        args=ROBOT,
        json=True,
        audit="robot.delete",
    ),
    # --- API: audit log and schema ---------------------------------------------------------------------------
    Route("api:audit-event-list", "list audit events", API_LIST, USERS_VIEW, shows=True, lists=True),
    Route("api:audit-event-detail", "view an event of A", API_OBJECT, USERS_VIEW, args=EVENT, shows=True),
    Route("api:index", "the API index (its endpoints and the schema)", API_SIGNED_IN, ANY_ROLE),
    Route("api:schema", "the OpenAPI schema", API_SIGNED_IN, ANY_ROLE),
    Route("api:docs", "the API docs page", API_SIGNED_IN, ANY_ROLE),
]

# --- notifications: deliveries, failed deliveries (retry) and messages sent ------------------------------------
DEAD_DELIVERY = pk(lambda w: w.dead_delivery)
SENT_MESSAGE = pk(lambda w: w.sent_message)
ROUTES += [
    Route("notifications:delivery_list", "view the delivery log", STORE_LIST, SETTINGS_VIEW, shows=True, lists=True),
    Route("notifications:delivery_dead", "view failed deliveries", STORE_LIST, SETTINGS_VIEW, shows=True, lists=True),
    Route(
        "notifications:delivery_retry",
        "delivery.retry",
        page(none=FORBIDDEN, other=REFUSED, this=DONE),
        SETTINGS,
        method="POST",
        data=lambda ctx: {"only": ctx.world.dead_delivery.pk},
        audit="delivery.retry",
        note="other names A's delivery: it is not among theirs, so nothing is retried (a refusal message)",
    ),
    Route("notifications:message_list", "view the messages sent", STORE_LIST, SETTINGS_VIEW, shows=True, lists=True),
    Route(
        "notifications:robot_lookup", "search robots to choose from", STORE_LIST, SETTINGS_VIEW, shows=True, lists=True
    ),
    Route("api:delivery-list", "list deliveries", API_LIST, SETTINGS_VIEW, shows=True, lists=True),
    Route("api:delivery-detail", "view A's delivery", API_OBJECT, SETTINGS_VIEW, args=DEAD_DELIVERY, shows=True),
    Route(
        "api:delivery-retry",
        "delivery.retry",
        API_OBJECT,
        SETTINGS,
        method="POST",
        args=DEAD_DELIVERY,
        json=True,
        data=lambda ctx: {},
        audit="delivery.retry",
    ),
    Route("api:message-list", "list messages sent", API_LIST, SETTINGS_VIEW, shows=True, lists=True),
    Route("api:message-detail", "view a message sent to A's robot", API_OBJECT, SETTINGS_VIEW, args=SENT_MESSAGE),
]


# --- orders: orders, after-sales cases, stock, work settings (pages and API) ----------------------------------
ORDER = pk(lambda w: w.order)
CASE = pk(lambda w: w.case)
STOCK = pk(lambda w: w.stock)
ORDERS_VIEW = frozenset({"orders_view"})
ORDERS_OPERATE = frozenset({"orders_view", "orders_operate"})
CASES_VIEW = frozenset({"after_sales_view"})
CASES_OPERATE = frozenset({"after_sales_view", "after_sales_operate"})
STOCK_VIEW = frozenset({"inventory_view"})
STOCK_OPERATE = frozenset({"inventory_view", "inventory_operate"})


def hand_to_owner(ctx) -> dict:
    """A's primary owner: holds the store-admin role there, so the order or case may be handed to them."""
    return {"to": ctx.world.store_a.primary_owner_id}


def work_settings_form(ctx) -> dict:
    return {"assignment_mode": "round_robin", "on_duty": [ctx.world.store_a.primary_owner_id], "escalation_hours": 6}


def _work_routes(prefix: str, api_prefix: str, view, operate, obj, kind: str) -> list[Route]:
    # orders_view alone is what the matrix calls "any right in the store": say that another right in A
    # (the "lacks" persona) does not open A's orders
    detail, api_detail = replace(STORE_OBJECT, lacks=NOT_FOUND), replace(API_OBJECT, lacks=NOT_FOUND)
    return [
        Route(f"orders:{prefix}_list", f"list {kind}s", replace(STORE_LIST, lacks=OK), view, shows=True, lists=True),
        Route(f"orders:{prefix}_detail", f"view A's {kind}", detail, view, args=obj, shows=True),
        Route(
            f"orders:{prefix}_claim",
            f"{kind}.claim",
            STORE_POST,
            operate,
            method="POST",
            args=obj,
            audit=f"{kind}.claim",
        ),
        Route(
            f"orders:{prefix}_hand_over",
            f"{kind}.hand_over",
            STORE_POST,
            operate,
            method="POST",
            args=obj,
            data=hand_to_owner,
            audit=f"{kind}.hand_over",
        ),
        Route(
            f"orders:{prefix}_handle",
            f"{kind}.handle",
            STORE_POST,
            operate,
            method="POST",
            args=obj,
            audit=f"{kind}.handle",
        ),
        Route(f"api:{api_prefix}-list", f"list {kind}s", replace(API_LIST, lacks=OK), view, shows=True, lists=True),
        Route(f"api:{api_prefix}-detail", f"view A's {kind}", api_detail, view, args=obj, shows=True),
        Route(
            f"api:{api_prefix}-claim",
            f"{kind}.claim",
            API_OBJECT,
            operate,
            method="POST",
            args=obj,
            json=True,
            data=lambda ctx: {},
            audit=f"{kind}.claim",
        ),
        Route(
            f"api:{api_prefix}-hand-over",
            f"{kind}.hand_over",
            API_OBJECT,
            operate,
            method="POST",
            args=obj,
            json=True,
            data=hand_to_owner,
            audit=f"{kind}.hand_over",
        ),
        Route(
            f"api:{api_prefix}-handle",
            f"{kind}.handle",
            API_OBJECT,
            operate,
            method="POST",
            args=obj,
            json=True,
            data=lambda ctx: {},
            audit=f"{kind}.handle",
        ),
    ]


ROUTES += _work_routes("order", "order", ORDERS_VIEW, ORDERS_OPERATE, ORDER, "order")
ROUTES += _work_routes("case", "case", CASES_VIEW, CASES_OPERATE, CASE, "case")
ROUTES += [
    Route("orders:stock_list", "list stock levels", STORE_LIST, STOCK_VIEW, shows=True, lists=True),
    Route(
        "orders:stock_threshold",
        "stock.threshold",
        STORE_POST,
        STOCK_OPERATE,
        method="POST",
        args=STOCK,
        data=lambda ctx: {"threshold": "9"},
        audit="stock.threshold",
    ),
    Route(
        "orders:store_threshold",
        "order_settings.update (threshold)",
        STORE_POST,
        STOCK_OPERATE,
        method="POST",
        args=A,
        data=lambda ctx: {"threshold": "9"},
        audit="order_settings.update",
    ),
    Route("orders:work_settings", "work settings (form)", STORE_OBJECT, SETTINGS, args=A, shows=True),
    Route(
        "orders:work_settings",
        "order_settings.update (work)",
        STORE_POST,
        SETTINGS,
        method="POST",
        args=A,
        data=work_settings_form,
        audit="order_settings.update",
    ),
    Route("api:stock-list", "list stock levels", API_LIST, STOCK_VIEW, shows=True, lists=True),
    Route("api:stock-detail", "view A's stock level", API_OBJECT, STOCK_VIEW, args=STOCK, shows=True),
    Route(
        "api:stock-threshold",
        "stock.threshold",
        API_OBJECT,
        STOCK_OPERATE,
        method="POST",
        args=STOCK,
        json=True,
        data=lambda ctx: {"threshold": 9},
        audit="stock.threshold",
    ),
]

# --- store groups, notification routes and message templates (notifications, stores) ----------------------
ROUTE = pk(lambda w: w.route)
GROUP = pk(lambda w: w.store_group)
NEW_ORDER = lambda ctx: ["order.new"]  # noqa: E731 — the kind of the world's customized template
# Store groups and templates span stores: changed by those who manage every store's settings.
ALL_STORE_API = replace(API_SUPER_ONLY, allstore=OK)
ALL_STORE_API_DELETES = replace(API_SUPER_DELETES, allstore=NO_CONTENT)
SETTINGS_SOMEWHERE = page(none=FORBIDDEN, other=OK, this=OK)  # company-wide labels: settings_view somewhere
API_SETTINGS_SOMEWHERE = api(none=FORBIDDEN, other=OK, this=OK)


def group_form(ctx, **changes) -> dict:
    return {"name": "matrix-组", "description": "edited", "stores": [ctx.world.store_a.pk], **changes}


def route_form(ctx, **changes) -> dict:
    w = ctx.world
    data = {
        "name": "新路由-matrix",  # posted back on a refused form: no marker of A in it
        "event_kinds": ["order.new", "order.shipped"],
        "robot": w.robot.pk,
        "store": w.store_a.pk,
        "quiet_start": "",
        "quiet_end": "",
        "mention_permission": "",
        "mention_assignee": "on",
        "is_active": "on",
    }
    return {**data, **changes}


def route_json(ctx, **changes) -> dict:
    w = ctx.world
    data = {"name": "API路由-matrix", "event_kinds": ["order.new"], "robot": w.robot.pk, "store": w.store_a.pk}
    return {**data, **changes}


ROUTES += [
    Route("stores:group_list", "view store groups", SETTINGS_SOMEWHERE, SETTINGS_VIEW),
    Route(
        "stores:group_detail",
        "view a group: the member stores the viewer can see",
        SETTINGS_SOMEWHERE,
        SETTINGS_VIEW,
        args=GROUP,
        shows=True,
        lists=True,
    ),
    Route("stores:group_create", "store_group.create (form)", ALL_STORE_PAGE, SETTINGS),
    Route(
        "stores:group_create",
        "store_group.create",
        ALL_STORE_POST,
        SETTINGS,
        method="POST",
        data=lambda ctx: group_form(ctx, name="新组-matrix"),
        audit="store_group.create",
    ),
    Route("stores:group_edit", "store_group.update (form)", ALL_STORE_PAGE, SETTINGS, args=GROUP),
    Route(
        "stores:group_edit",
        "store_group.update",
        ALL_STORE_POST,
        SETTINGS,
        method="POST",
        args=GROUP,
        data=group_form,
        audit="store_group.update",
    ),
    Route("stores:group_delete", "store_group.delete (confirm)", ALL_STORE_PAGE, SETTINGS, args=GROUP),
    Route(
        "stores:group_delete",
        "store_group.delete",
        ALL_STORE_POST,
        SETTINGS,
        method="POST",
        args=GROUP,
        audit="store_group.delete",
    ),
    Route("notifications:route_list", "view routes", STORE_LIST, SETTINGS_VIEW, shows=True, lists=True),
    Route(
        "notifications:route_detail",
        "view A's route and its preview",
        STORE_OBJECT,
        SETTINGS_VIEW,
        args=ROUTE,
        shows=True,
    ),
    Route(
        "notifications:route_create",
        "route.create (form)",
        page(none=FORBIDDEN, other=OK, this=OK),
        SETTINGS,
        note="other may open the form: its store and robot choices are their own",
    ),
    Route(
        "notifications:route_create",
        "route.create (on A)",
        page(none=FORBIDDEN, other=FORM_ERROR, this=DONE),
        SETTINGS,
        method="POST",
        data=route_form,
        audit="route.create",
    ),
    Route("notifications:route_edit", "route.update (form)", STORE_OBJECT, SETTINGS, args=ROUTE, shows=True),
    Route(
        "notifications:route_edit",
        "route.update",
        STORE_POST,
        SETTINGS,
        method="POST",
        args=ROUTE,
        data=route_form,
        audit="route.update",
    ),
    Route("notifications:route_delete", "route.delete (confirm)", STORE_OBJECT, SETTINGS, args=ROUTE, shows=True),
    Route(
        "notifications:route_delete",
        "route.delete",
        STORE_POST,
        SETTINGS,
        method="POST",
        args=ROUTE,
        audit="route.delete",
    ),
    Route("notifications:template_list", "view message templates", SETTINGS_SOMEWHERE, SETTINGS_VIEW),
    Route("notifications:template_edit", "message_template.update (form)", ALL_STORE_PAGE, SETTINGS, args=NEW_ORDER),
    Route(
        "notifications:template_edit",
        "message_template.update",
        ALL_STORE_POST,
        SETTINGS,
        method="POST",
        args=NEW_ORDER,
        data=lambda ctx: {"msgtype": "text", "body": "{store} 订单 {order_id}"},
        audit="message_template.update",
    ),
    Route(
        "notifications:template_preview",
        "preview a draft against the latest event the viewer may see",
        SETTINGS_SOMEWHERE,
        SETTINGS_VIEW,
        method="POST",
        args=NEW_ORDER,
        data=lambda ctx: {"msgtype": "text", "body": "{store} {order_id}"},
        changes=False,
        preview=True,
    ),
    Route(
        "notifications:template_reset",
        "message_template.reset",
        ALL_STORE_POST,
        SETTINGS,
        method="POST",
        args=NEW_ORDER,
        audit="message_template.reset",
    ),
    # --- API: store groups, routes, message templates ----------------------------------------------------------
    Route("api:storegroup-list", "list store groups", API_SETTINGS_SOMEWHERE, SETTINGS_VIEW),
    Route(
        "api:storegroup-list",
        "store_group.create",
        API_ALL_STORE_CREATES,
        SETTINGS,
        method="POST",
        json=True,
        data=lambda ctx: group_form(ctx, name="API组-matrix"),
        audit="store_group.create",
    ),
    Route("api:storegroup-detail", "view a store group", API_SETTINGS_SOMEWHERE, SETTINGS_VIEW, args=GROUP),
    Route(
        "api:storegroup-detail",
        "store_group.update",
        ALL_STORE_API,
        SETTINGS,
        method="PUT",
        args=GROUP,
        json=True,
        data=group_form,
        audit="store_group.update",
    ),
    Route(
        "api:storegroup-detail",
        "store_group.update",
        ALL_STORE_API,
        SETTINGS,
        method="PATCH",
        args=GROUP,
        json=True,
        data=lambda ctx: {"description": "patched"},
        audit="store_group.update",
    ),
    Route(
        "api:storegroup-detail",
        "store_group.delete",
        ALL_STORE_API_DELETES,
        SETTINGS,
        method="DELETE",
        args=GROUP,
        json=True,
        audit="store_group.delete",
    ),
    Route("api:route-list", "list routes", API_LIST, SETTINGS_VIEW, shows=True, lists=True),
    Route(
        "api:route-list",
        "route.create (on A)",
        API_CREATE_IN_A,
        SETTINGS,
        method="POST",
        json=True,
        data=route_json,
        audit="route.create",
    ),
    Route("api:route-detail", "view A's route", API_OBJECT, SETTINGS_VIEW, args=ROUTE, shows=True),
    Route(
        "api:route-detail",
        "route.update",
        API_OBJECT,
        SETTINGS,
        method="PUT",
        args=ROUTE,
        json=True,
        data=route_json,
        audit="route.update",
    ),
    Route(
        "api:route-detail",
        "route.update",
        API_OBJECT,
        SETTINGS,
        method="PATCH",
        args=ROUTE,
        json=True,
        data=lambda ctx: {"mention_all": True},
        audit="route.update",
    ),
    Route(
        "api:route-detail",
        "route.delete",
        api(none=FORBIDDEN, other=NOT_FOUND, this=NO_CONTENT),
        SETTINGS,
        method="DELETE",
        args=ROUTE,
        json=True,
        audit="route.delete",
    ),
    Route("api:messagetemplate-list", "list message templates", API_SETTINGS_SOMEWHERE, SETTINGS_VIEW),
    Route(
        "api:messagetemplate-detail", "view a message template", API_SETTINGS_SOMEWHERE, SETTINGS_VIEW, args=NEW_ORDER
    ),
    Route(
        "api:messagetemplate-detail",
        "message_template.update",
        ALL_STORE_API,
        SETTINGS,
        method="PUT",
        args=NEW_ORDER,
        json=True,
        data=lambda ctx: {"msgtype": "text", "body": "{store} API {order_id}"},
        audit="message_template.update",
    ),
    Route(
        "api:messagetemplate-preview",
        "preview a draft",
        API_SETTINGS_SOMEWHERE,
        SETTINGS_VIEW,
        method="POST",
        args=NEW_ORDER,
        json=True,
        data=lambda ctx: {"msgtype": "text", "body": "{store} {order_id}"},
        changes=False,
        preview=True,
    ),
    Route(
        "api:messagetemplate-reset",
        "message_template.reset",
        ALL_STORE_API,
        SETTINGS,
        method="POST",
        args=NEW_ORDER,
        json=True,
        audit="message_template.reset",
    ),
]

# ---------------------------------------------------------------------------------------------- sop: staff lifecycle
# Offboarding in one action (sop.lifecycle.offboarding) writes staff.hand_over once, plus the events of each step.
LIFECYCLE_OFFBOARD_SIDE_EVENTS = OFFBOARD_SIDE_EVENTS + (
    "staff.offboard",
    "store.update",
    "case.hand_over",
    "order.hand_over",
    "auth.token_revoke",
    "auth.logout",
    "delivery.update",
    "checklist.create",
    "checklist_item.update",
    "wecom.member_disable",
)

ROUTES += [
    Route(
        "sop:staff_offboard",
        "offboarding (离职) page of A's clerk",
        STORE_OBJECT,
        OFFBOARD_CLERK,
        args=CLERK,
        shows=True,
    ),
    Route(
        "sop:staff_offboard",
        "staff.hand_over (offboarding in one action)",
        STORE_POST,
        OFFBOARD_CLERK,
        method="POST",
        args=CLERK,
        data=reason,
        audit="staff.hand_over",
        side_audit=LIFECYCLE_OFFBOARD_SIDE_EVENTS,
        note="other manages users in B only: the clerk (A only) is out of reach, 404",
    ),
]

# ---------------------------------------------------------------------------------------------- sop: checklists
# Checklists are read by their assignee and by anyone working on their store; ticked by the assignee, the store's
# owners and super admins (the "this" and "allstore" personas are made the assignee of the checklist they tick).
# Templates belong to no store: those who manage the settings of every store edit them.
from sop.models import Checklist as _Checklist  # noqa: E402
from sop.models import ChecklistItem as _ChecklistItem  # noqa: E402
from sop.models import ChecklistTemplate as _ChecklistTemplate  # noqa: E402
from sop.models import TemplateItem as _TemplateItem  # noqa: E402

from .world import WATCHED as _WATCHED  # noqa: E402

# The checklist pages change these rows (the fingerprint of "did the call change anything").
_WATCHED += [m for m in (_Checklist, _ChecklistItem, _ChecklistTemplate, _TemplateItem) if m not in _WATCHED]


def _sop_checklist(ctx, *, where="a", assign=True, tick=False):
    from django.utils import timezone as tz

    from sop.checklists import checklist_create, item_tick, templates_ensure

    templates_ensure()
    store = ctx.world.store_a if where == "a" else ctx.world.store_b
    assignee = ctx.user if assign and ctx.persona in ("this", "allstore") else store.primary_owner
    checklist = checklist_create(
        kind="daily",
        title=f"日常店铺检查 · {store.name}",
        store=store,
        assignee=assignee,
        for_date=tz.localdate(tz.now(), store.tzinfo),
    )
    item = checklist.items.get(title="缺货预警")
    if tick:
        item_tick(actor=None, item=item, system=True)
    return checklist, item


def _sop_both_stores(ctx):
    _sop_checklist(ctx, where="a", assign=False)
    _sop_checklist(ctx, where="b", assign=False)


def _sop_template_form(ctx, *, name):
    return {
        "name": name,
        "kind": "custom",
        "description": "",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-position": "1",
        "items-0-title": "检查广告预算",
    }


def _sop_template(ctx):
    from sop.checklists import templates_ensure
    from sop.models import ChecklistTemplate

    templates_ensure()
    return [ChecklistTemplate.objects.get(kind="transfer", is_default=True).pk]


ROUTES += [
    Route(
        "sop:checklist_list",
        "the checklists I may read (a store's history)",
        SIGNED_IN,
        ANY_ROLE,
        prepare=_sop_both_stores,
        shows=("this",),
        lists=True,
    ),
    Route(
        "sop:checklist_detail",
        "a daily store check of A",
        page(none=NOT_FOUND, other=NOT_FOUND, this=OK),
        ANY_ROLE,
        args=lambda ctx: [_sop_checklist(ctx, assign=False)[0].pk],
        shows=True,
        note="a checklist is found among those the viewer may read, or not at all (404)",
    ),
    Route(
        "sop:checklist_item_tick",
        "checklist_item.tick",
        replace(page(none=NOT_FOUND, other=NOT_FOUND, this=DONE), lacks=FORBIDDEN),
        ANY_ROLE,
        method="POST",
        args=lambda ctx: [_sop_checklist(ctx)[1].pk],
        data=lambda ctx: {},
        audit="checklist_item.tick",
        note="'this' is the checklist's assignee; someone else working on A reads it but may not tick (403)",
    ),
    Route(
        "sop:checklist_item_untick",
        "checklist_item.untick",
        replace(page(none=NOT_FOUND, other=NOT_FOUND, this=DONE), lacks=FORBIDDEN),
        ANY_ROLE,
        method="POST",
        args=lambda ctx: [_sop_checklist(ctx, tick=True)[1].pk],
        audit="checklist_item.untick",
        note="'this' is the checklist's assignee",
    ),
    Route(
        "sop:checklist_rates",
        "checklist completion rates per store and person",
        page(none=FORBIDDEN, other=OK, this=OK),
        frozenset({"reports_view"}),
        prepare=_sop_both_stores,
        shows=True,
        lists=True,
    ),
    Route("sop:template_list", "checklist templates", ALL_STORE_PAGE, SETTINGS),
    Route("sop:template_create", "checklist_template.create (form)", ALL_STORE_PAGE, SETTINGS),
    Route(
        "sop:template_create",
        "checklist_template.create",
        ALL_STORE_POST,
        SETTINGS,
        method="POST",
        data=lambda ctx: _sop_template_form(ctx, name=f"矩阵模板-{ctx.persona}"),
        audit="checklist_template.create",
    ),
    Route("sop:template_edit", "checklist_template.update (form)", ALL_STORE_PAGE, SETTINGS, args=_sop_template),
    Route(
        "sop:template_edit",
        "checklist_template.update",
        ALL_STORE_POST,
        SETTINGS,
        method="POST",
        args=_sop_template,
        data=lambda ctx: _sop_template_form(ctx, name=f"员工调岗-{ctx.persona}"),
        audit="checklist_template.update",
    ),
]


def leave_form(ctx) -> dict:
    from django.utils import timezone

    today = timezone.localdate()
    return {"starts_on": today.isoformat(), "ends_on": today.isoformat(), "reason": "matrix"}


def clerk_leave(ctx) -> None:
    """A leave of A's clerk to cancel (its pk on ctx.leave)."""
    from datetime import timedelta

    from django.utils import timezone

    from staff.models import Leave

    day = timezone.localdate() + timedelta(days=30)
    ctx.leave = Leave.objects.create(staff=ctx.world.clerk, starts_on=day, ends_on=day, reason="matrix")


ROUTES += [
    Route("sop:staff_leave", "leave of A's clerk", STORE_OBJECT, USERS_MANAGE, args=CLERK),
    Route(
        "sop:staff_leave",
        "leave.create",
        STORE_POST,
        USERS_MANAGE,
        method="POST",
        args=CLERK,
        data=leave_form,
        audit="leave.create",
    ),
    Route(
        "sop:leave_cancel",
        "leave.cancel",
        STORE_POST,
        USERS_MANAGE,
        method="POST",
        prepare=clerk_leave,
        args=lambda ctx: [ctx.leave.pk if getattr(ctx, "leave", None) else 1],
        audit="leave.cancel",
    ),
]


def onboard_form(ctx) -> dict:
    return {"name": "入职-matrix", "username": "matrix-onboard", "reason": "permission matrix", "confirm": "1"}


def transfer_form(ctx) -> dict:
    """Move A's clerk to the empty position (no default roles: nothing to add or remove), confirmed."""
    return {"department": "", "position": ctx.world.empty_position.pk, "confirm": "1", "reason": "permission matrix"}


ROUTES += [
    Route(
        "sop:staff_onboard",
        "onboard a colleague (form)",
        ALL_STORE_PAGE,
        USERS_MANAGE,
        note="only people who manage users in every store add staff",
    ),
    Route(
        "sop:staff_onboard",
        "staff.onboard",
        replace(SUPER_ONLY_PAGE, allstore=OK),
        USERS_MANAGE,
        method="POST",
        data=onboard_form,
        audit="staff.onboard",
        side_audit=("staff.create", "checklist.create", "checklist_item.update", "wecom.member_create"),
        note="the created page shows the first password once (200, not a redirect)",
    ),
    Route("sop:staff_transfer", "transfer of A's clerk (form)", STORE_OBJECT, USERS_MANAGE, args=CLERK),
    Route(
        "sop:staff_transfer",
        "staff.transfer",
        STORE_POST,
        USERS_MANAGE,
        method="POST",
        args=CLERK,
        data=transfer_form,
        audit="staff.transfer",
        side_audit=("staff.update", "binding.grant", "binding.revoke", "access_request.create"),
    ),
    Route(
        "sop:staff_platform_sheet",
        "what to tick on the platforms for A's clerk",
        STORE_OBJECT,
        USERS_VIEW,
        args=CLERK,
        shows=True,
    ),
]

# --- WeCom as the staff directory (staff.wecom_views): the company's settings and the directory import ----------


def wecom_settings_form(ctx) -> dict:
    return {"corp_id": "wwmatrix", "agent_id": "1000002", "app_secret": "", "contacts_secret": ""}


ROUTES += [
    Route("staff:wecom_settings", "the WeCom settings (form)", SUPER_ONLY_PAGE, SETTINGS),
    Route(
        "staff:wecom_settings",
        "wecom.settings_update",
        SUPER_ONLY_POST,
        SETTINGS,
        method="POST",
        data=wecom_settings_form,
        audit="wecom.settings_update",
        changes=False,  # it does write staff.WeComSettings, a table world.WATCHED does not fingerprint (yet)
        note="replacing a secret asks for a fresh second factor (tests/staff/test_wecom_settings.py)",
    ),
    Route(
        "staff:wecom_directory",
        "the directory import preview (WeCom not set up in the matrix's company)",
        SUPER_ONLY_PAGE,
        SETTINGS,
    ),
    Route(
        "staff:wecom_directory",
        "the directory import, WeCom not set up",
        page(none=FORBIDDEN, other=FORBIDDEN, this=FORBIDDEN, super=REFUSED),
        SETTINGS,
        method="POST",
        audit="wecom.directory_import",  # what an import writes; here (not set up) the super admin is refused
        side_audit=("staff.create", "staff.update", "department.create"),
        note="set up, it imports all or nothing: tests/staff/test_wecom_directory.py",
    ),
]

# ---------------------------------------------------------------------------------------------- sop: spreadsheets
# The imports page and the exports need users_view somewhere (an export holds only what the viewer may see); importing
# the 员工信息表 / 权限矩阵 needs users_manage somewhere (each row is checked against the stores where it holds). A job
# is its uploader's: the builders make the persona the uploader.
from sop.models import ImportJob as _ImportJob  # noqa: E402

_WATCHED += [m for m in (_ImportJob,) if m not in _WATCHED]
_EMPTY_MATRIX = "\ufeff员工ID,姓名\r\n".encode()
# users_view somewhere; a department manager (read scopes only) holds none of it
_SHEETS_PAGE = page(none=FORBIDDEN, other=OK, this=OK)


def _sop_upload(ctx):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = f"\ufeff员工ID,姓名,绑定店铺列表\r\n{ctx.world.clerk.employee_id},{ctx.world.clerk.name},{ctx.world.store_a.name}\r\n"
    return {"kind": "staff", "file": SimpleUploadedFile("员工信息表.csv", text.encode(), content_type="text/csv")}


def _sop_job(ctx):
    job = _ImportJob.objects.create(
        kind="matrix", filename="权限矩阵.csv", content=_EMPTY_MATRIX, status="preview", created_by=ctx.user
    )
    return [job.pk]


ROUTES += [
    Route("sop:import_list", "the spreadsheets page (upload, exports, templates)", _SHEETS_PAGE, USERS_VIEW),
    Route(
        "sop:import_list",
        "import.create (a 员工信息表 checked, nothing applied)",
        page(none=FORBIDDEN, other=DONE, this=DONE),
        USERS_MANAGE,
        method="POST",
        data=_sop_upload,
        audit="import.create",
    ),
    Route("sop:import_detail", "an import of mine: errors or preview", _SHEETS_PAGE, USERS_VIEW, args=_sop_job),
    Route("sop:import_progress", "an import's progress (JSON)", _SHEETS_PAGE, USERS_VIEW, args=_sop_job),
    Route(
        "sop:import_apply",
        "import.complete (an empty 权限矩阵 applied)",
        page(none=FORBIDDEN, other=DONE, this=DONE),
        USERS_MANAGE,
        method="POST",
        args=_sop_job,
        audit="import.complete",
    ),
    Route(
        "sop:import_export",
        "staff.export (the 员工信息表 of what the viewer may see, CSV)",
        _SHEETS_PAGE,
        USERS_VIEW,
        args=lambda ctx: ["staff", "csv"],
        audit="staff.export",
        changes=False,
    ),
    Route(
        "sop:import_template",
        "the 员工信息表 template (xlsx)",
        _SHEETS_PAGE,
        USERS_VIEW,
        args=lambda ctx: ["staff", "xlsx"],
        changes=False,
    ),
]

# --- the cross-store board (reports): the board and its exports, one SKU across stores, SKU costs, rates -----

REPORTS_VIEW = frozenset({"reports_view"})
REPORTS_EXPORT = frozenset({"reports_view", "reports_export"})
ADS_VIEW = frozenset({"ads_view"})
ADS_OPERATE = frozenset({"ads_view", "ads_operate"})


def sku_cost_sheet(ctx) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("costs.csv", "\ufeffsku,cost,currency\nMATRIX-1,1.5,CNY\n".encode())}


ROUTES += [
    Route("reports:board", "the cross-store board", STORE_LIST, REPORTS_VIEW, shows=True, lists=True),
    Route(
        "reports:board_export",
        "report.export",
        STORE_LIST,
        REPORTS_EXPORT,
        audit="report.export",
        changes=False,
        shows=True,
        lists=True,
        note="other exports its own stores' rows: allowed, audited, nothing of A",
    ),
    Route("ads:overview", "广告概览: the stores' ads", STORE_LIST, ADS_VIEW),
    Route("ads:store", "one store's ads (campaigns, 14 days)", STORE_OBJECT, ADS_VIEW, args=A),
    Route(
        "ads:store",
        "ads.settings_update (alert thresholds)",
        STORE_POST,
        ADS_OPERATE,
        method="POST",
        args=A,
        data=lambda ctx: {"spike_ratio": "3", "spike_min_spend": "80", "budget_share": "90", "roas_drop": "40"},
        audit="ads.settings_update",
    ),
    Route(
        "ads:store_export",
        "ads.export (one store's ads, CSV)",
        STORE_OBJECT,
        ADS_VIEW,
        args=A,
        audit="ads.export",
        changes=False,
    ),
    Route("reports:sku_stock", "one SKU across the stores", STORE_LIST, REPORTS_VIEW),
    Route("reports:skucost_list", "the SKU costs (list and upload form)", ALL_STORE_PAGE, SETTINGS),
    Route(
        "reports:skucost_list",
        "sku_cost.import",
        ALL_STORE_POST,
        SETTINGS,
        method="POST",
        data=sku_cost_sheet,
        audit="sku_cost.import",
        note="costs are the company's: only those who manage settings in every store (tests/reports)",
    ),
    Route("reports:rate_list", "the exchange rates (form)", ALL_STORE_PAGE, SETTINGS),
    Route(
        "reports:rate_list",
        "exchange_rate.update",
        ALL_STORE_POST,
        SETTINGS,
        method="POST",
        data=lambda ctx: {"currency": "USD", "rate": "7.1"},
        audit="exchange_rate.update",
    ),
]

ROUTES += [
    Route(
        "sop:import_export",
        "store.export (the 店铺分工表 of the stores the viewer may see, xlsx)",
        page(none=FORBIDDEN, other=OK, this=OK),
        ANY_ROLE,
        args=lambda ctx: ["stores", "xlsx"],
        audit="store.export",
        changes=False,
        variant="stores",
        note="the duties page's export: anyone working on a store, as the page",
    ),
]


def _matrix_review(ctx) -> None:
    """An access review campaign to report on (made directly, before counting: only the export is played)."""
    from datetime import timedelta

    from django.utils import timezone

    from rbac.models import AccessReview

    AccessReview.objects.create(name="matrix report", deadline=timezone.now() + timedelta(days=7))


def _matrix_review_export(ctx) -> dict:
    from rbac.models import AccessReview

    review = AccessReview.objects.filter(name="matrix report").order_by("-pk").first()
    return {"review": review.pk if review else 0, "export": "csv"}


# Access reviews (权限复核, issue 12 item 3): campaigns and their report for super admins; everyone's own items.
ROUTES += [
    Route("rbac:review_list", "the access review campaigns (and the form to start one)", SUPER_ONLY_PAGE, USERS_MANAGE),
    Route(
        "rbac:review_list",
        "review.create",
        SUPER_ONLY_POST,
        USERS_MANAGE,
        method="POST",
        data=lambda ctx: {"name": "matrix review", "deadline": "2099-01-01T10:00"},
        audit="review.create",
    ),
    Route("rbac:review_mine", "my review items (none in the matrix's world)", SIGNED_IN, ANY_ROLE),
    Route(
        "rbac:review_mine",
        "keep or revoke review items: none chosen is a form error for everyone",
        page(none=FORM_ERROR, other=FORM_ERROR, this=FORM_ERROR, super=FORM_ERROR),
        ANY_ROLE,
        method="POST",
        data=lambda ctx: {"decision": "keep"},
        changes=False,
        audit="review.decide",
    ),
    Route("rbac:review_report", "the access review reports (a campaign to choose)", SUPER_ONLY_PAGE, USERS_MANAGE),
    Route(
        "rbac:review_report",
        "review.export (CSV)",
        SUPER_ONLY_PAGE,
        USERS_MANAGE,
        prepare=_matrix_review,
        query=_matrix_review_export,
        audit="review.export",
        changes=False,
        variant="export",
    ),
    Route("rbac:stale_access", "the stale access list", SUPER_ONLY_PAGE, USERS_MANAGE),
]
