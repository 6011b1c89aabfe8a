"""The platform sheet says what to tick per store, how sure the mapping is, and where the platform cannot express
the role (platform-staff-permissions.md)."""

from django.utils import translation

from sop.platform_sheet import sheet


def lines(s):
    return {line["tick"]: line for line in s["lines"]}


def test_shopee_view_only_orders_warn_that_viewing_allows_editing():
    with translation.override("en"):
        s = sheet(platform="shopee", store="泰国店", perms=["orders_view"], roles=[("", "订单查看")])
    (line,) = s["lines"]
    assert line["tick"].startswith("Order › My Orders") and line["confidence"] == "L"
    assert "no view-only right" in line["gap"]
    handled = sheet(platform="shopee", store="泰国店", perms=["orders_view", "orders_operate"], roles=[])
    assert handled["lines"][0]["gap"] == ""  # handling orders is what the page gives: nothing lost


def test_shopee_cannot_delegate_user_management_or_store_settings():
    with translation.override("en"):
        s = sheet(
            platform="shopee", store="泰国店", perms=["users_manage", "settings_manage", "ads_change_budget"], roles=[]
        )
    assert any("main account" in c for c in s["cannot"]) and len(s["cannot"]) == 2
    assert "budget cannot be kept apart" in lines(s)["Marketing Centre › Shopee Ads"]["gap"]


def test_ozon_built_in_roles_map_with_their_confidence_and_over_grants():
    with translation.override("en"):
        s = sheet(
            platform="ozon",
            store="莫斯科店",
            perms=["ads_view", "ads_operate", "ads_change_budget"],
            roles=[("ads", "促销/广告管理员"), ("store_admin", "店铺管理员")],
        )
    found = lines(s)
    assert found["Менеджер по продвижению"]["confidence"] == "H"
    assert "manage employees" in found["Администратор"]["gap"]


def test_ozon_custom_roles_are_inferred_from_sections_and_marked_low_confidence():
    with translation.override("en"):
        s = sheet(platform="ozon", store="莫斯科店", perms=["finance_view", "products_operate"], roles=[("", "自定义")])
    (line,) = s["lines"]
    assert line["confidence"] == "L" and line["covers"] == ["自定义"]
    assert line["tick"] == "Менеджер по товарам + Финансовый менеджер"
