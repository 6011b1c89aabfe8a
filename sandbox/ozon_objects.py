"""Complete Ozon objects (FBS/FBO postings in v2/v3/v4 shapes, returns, stock rows) from seeds and the clock."""

import random

from .seed import iso
from .state import DAY, OzonReturn, Posting, Product, Seller

PROVIDER = (24, "Ozon Логистика")
CANCEL_REASON = (352, "Покупатель отменил заказ", "client", "Покупатель")
ACTIONS = {
    "awaiting_packaging": ["arbitration", "awaiting_delivery", "cancel", "split"],
    "awaiting_deliver": ["arbitration", "cancel", "pick_up"],
    "delivering": ["arbitration"],
}


def warehouse_name(seller: Seller, warehouse_id: int) -> str:
    return next((name for wid, name in seller.warehouses if wid == warehouse_id), "Склад")


def delivery_method_id(posting: Posting) -> int:
    return 1_000_000 + posting.warehouse_id % 1000


def _money(value: float) -> str:
    return f"{value:.2f}"


def _analytics(seller: Seller, posting: Posting, v2_fbo: bool = False) -> dict:
    data = {
        "city": "Москва",
        "delivery_type": "Courier",
        "is_premium": False,
        "payment_type_group_name": "Карты оплаты",
        "warehouse_id": posting.warehouse_id,
        "is_legal": False,
    }
    if v2_fbo:
        data["warehouse_name"] = warehouse_name(seller, posting.warehouse_id)
        return data
    data.update(
        {
            "region": "Москва",
            "warehouse": warehouse_name(seller, posting.warehouse_id),
            "tpl_provider_id": PROVIDER[0],
            "tpl_provider": PROVIDER[1],
            "delivery_date_begin": iso(posting.shipment_date + DAY),
            "delivery_date_end": iso(posting.shipment_date + 3 * DAY),
            "client_delivery_date_begin": None,
            "client_delivery_date_end": None,
        }
    )
    return data


def _financial(posting: Posting, v4: bool) -> dict:
    rows = []
    for sku, _offer, _name, quantity, price in posting.products:
        commission = round(price * 0.15, 2)
        row = {
            "product_id": sku,
            "old_price": round(price * 1.2, 2),
            "payout": round(price - commission, 2),
            "quantity": quantity,
            "total_discount_value": round(price * 0.2, 2),
            "total_discount_percent": 16.67,
            "actions": [],
        }
        if v4:
            row.update(
                {
                    "price": _money(price),
                    "commission": {"amount": _money(commission), "currency": "RUB", "percent": 15},
                    "customer_price": {"amount": _money(price), "currency": "RUB"},
                }
            )
        else:
            row.update(
                {
                    "price": price,
                    "commission_amount": commission,
                    "commission_percent": 15,
                    "currency_code": "RUB",
                    "commissions_currency_code": "RUB",
                    "customer_price": _money(price),
                }
            )
        rows.append(row)
    return {"cluster_from": "Москва и МО", "cluster_to": "Москва и МО", "products": rows}


def _dimensions(sku: int) -> dict:
    """v3PostingProductDetail.dimensions: four decimal strings (mm and g), as the swagger example writes them."""
    return {
        "height": f"{40 + sku % 60:.2f}",
        "length": f"{120 + sku % 200:.2f}",
        "weight": str(100 + sku % 900),
        "width": f"{80 + sku % 100:.2f}",
    }


def _products(posting: Posting, v4: bool, detail: bool = False) -> list[dict]:
    """Products of a posting: list rows (v3 or v4 shape), or the richer rows of /v3/posting/fbs/get
    (`v3PostingProductDetail`: `jw_uin`, `dimensions`; corrected 2026-12)."""
    rows = []
    for sku, offer_id, name, quantity, price in posting.products:
        row = {
            "sku": sku,
            "name": name,
            "quantity": quantity,
            "offer_id": offer_id,
            "mandatory_mark": [],
            "is_marketplace_buyout": False,
            "is_blr_traceable": False,
            "imei": [],
        }
        if v4:
            row.update({"price": {"amount": _money(price), "currency": "RUB"}, "weight": 500})
        else:
            row.update({"price": f"{price:.6f}", "currency_code": "RUB"})
        if detail:
            row.update({"jw_uin": [], "dimensions": _dimensions(sku)})
        rows.append(row)
    return rows


def _tariffication(posting: Posting) -> list[dict]:
    """`tariffication` is an array of tariff steps (v3FbsPosting, corrected 2026-12), numbers as numbers."""
    return [
        {
            "current_tariff_rate": 0.0,
            "current_tariff_type": "",
            "current_tariff_charge": "0",
            "current_tariff_charge_currency_code": "RUB",
            "next_tariff_rate": 0.0,
            "next_tariff_type": "",
            "next_tariff_charge": "0",
            "next_tariff_starts_at": None,
            "next_tariff_charge_currency_code": "RUB",
        }
    ]


def _cancellation(status: str, when_shipped: bool) -> dict:
    if status != "cancelled":
        return {
            "cancel_reason_id": 0,
            "cancel_reason": "",
            "cancellation_type": "",
            "cancelled_after_ship": False,
            "affect_cancellation_rating": False,
            "cancellation_initiator": "",
        }
    reason_id, reason, kind, initiator = CANCEL_REASON
    return {
        "cancel_reason_id": reason_id,
        "cancel_reason": reason,
        "cancellation_type": kind,
        "cancelled_after_ship": when_shipped,
        "affect_cancellation_rating": False,
        "cancellation_initiator": initiator,
    }


def _delivering_date(posting: Posting, now: float) -> str | None:
    when = next((t for t, status, _ in posting.plan if status == "delivering"), None)
    return iso(when) if when is not None and when <= now else None


def fbs_posting(seller: Seller, posting: Posting, now: float, with_: dict, *, v4: bool, detail: bool = False) -> dict:
    """An FBS posting as /v3/posting/fbs/list (v4=False), /v4/posting/fbs/list (v4=True) or /v3/.../get returns it."""
    changed, status, substatus = posting.step(now)
    tracking = posting.tracking_number if posting.tracking_at is not None and posting.tracking_at <= now else ""
    warehouse = warehouse_name(seller, posting.warehouse_id)
    row = {
        "posting_number": posting.posting_number,
        "order_id": posting.order_id,
        "order_number": posting.order_number,
        "status": status,
        "substatus": substatus,
        "delivery_method": {
            "id": delivery_method_id(posting),
            "name": f"Ozon Логистика курьеру, {warehouse}",
            "warehouse_id": posting.warehouse_id,
            "warehouse": warehouse,
            "tpl_provider_id": PROVIDER[0],
            "tpl_provider": PROVIDER[1],
        },
        "tracking_number": tracking,
        "tpl_integration_type": "ozon",
        "in_process_at": iso(posting.in_process_at),
        "shipment_date": iso(posting.shipment_date),
        "delivering_date": _delivering_date(posting, now),
        "cancellation": _cancellation(status, False),
        "customer": None,
        "products": _products(posting, v4, detail),
        "addressee": None,
        "barcodes": (
            {"upper_barcode": f"%101%{posting.id}", "lower_barcode": str(posting.id)} if with_.get("barcodes") else None
        ),
        "analytics_data": _analytics(seller, posting) if with_.get("analytics_data") else None,
        "financial_data": _financial(posting, v4) if with_.get("financial_data") else None,
        "legal_info": ({"company_name": "", "inn": "", "kpp": ""} if with_.get("legal_info") else None),
        "is_express": False,
        "requirements": {
            "products_requiring_gtd": [],
            "products_requiring_country": [],
            "products_requiring_mandatory_mark": [],
            "products_requiring_rnpt": [],
            "products_requiring_jw_uin": [],
            "products_requiring_change_country": [],
            "products_requiring_imei": [],
        },
        "parent_posting_number": "",
        "available_actions": ACTIONS.get(status, []),
        "multi_box_qty": 1,
        "is_multibox": False,
        "prr_option": None,  # an object {code, price, currency_code, floor} when loading services apply; never a string
        "quantum_id": 0,
        "is_presortable": False,
        "last_changed_status_date": iso(changed),
        "tariffication": _tariffication(posting),
        "optional": {"products_with_possible_mandatory_mark": []},
        "pickup_code_verified_at": None,
    }
    if v4:
        row.update(
            {
                "delivery_schema": "FBS",
                "integration_type_flow": "ozon",
                "external_order": {"is_external": False, "platform_name": ""},
                "scanit": False,
                "shipment_date_without_delay": iso(posting.shipment_date),
                "tariffication_steps": [],
                "volume_weight": 0.5,
            }
        )
    if detail:
        row.update(
            {
                "additional_data": [],
                "courier": None,
                "delivery_price": "",
                "previous_substatus": "",
                "provider_status": "",
                "product_exemplars": None,
                "related_postings": None,
            }
        )
    return row


def fbo_posting(seller: Seller, posting: Posting, now: float, with_: dict, *, v3: bool) -> dict:
    """An FBO posting as /v2/posting/fbo/list (v3=False) or /v3/posting/fbo/list (v3=True) returns it."""
    _, status, substatus = posting.step(now)
    products = []
    for sku, offer_id, name, quantity, price in posting.products:
        row = {
            "sku": sku,
            "name": name,
            "quantity": quantity,
            "offer_id": offer_id,
            "digital_codes": [],
            "is_marketplace_buyout": False,
        }
        if v3:
            row["price"] = {"amount": _money(price), "currency": "RUB"}
        else:
            row.update({"price": f"{price:.6f}", "currency_code": "RUB"})
        products.append(row)
    cancellation = _cancellation(status, False)
    row = {
        "order_id": posting.order_id,
        "order_number": posting.order_number,
        "posting_number": posting.posting_number,
        "status": status,
        "cancel_reason_id": cancellation["cancel_reason_id"],
        "created_at": iso(posting.created_at),
        "in_process_at": iso(posting.in_process_at),
        "products": products,
        "analytics_data": _analytics(seller, posting, v2_fbo=True) if with_.get("analytics_data") else None,
        "financial_data": _financial(posting, v3) if with_.get("financial_data") else None,
        "additional_data": [],
        "legal_info": ({"company_name": "", "inn": "", "kpp": ""} if with_.get("legal_info") else None),
    }
    if v3:
        row.update(
            {
                "substatus": substatus,
                "cancellation": {
                    k: cancellation[k] for k in ("cancel_reason", "cancellation_initiator", "cancellation_type")
                },
                "external_order": {"is_external": False, "platform_name": ""},
            }
        )
    return row


VISUAL_NAMES = {
    "MovingToOzon": "Едет на склад Ozon",
    "ArrivedAtReturnPlace": "В пункте выдачи",
    "ReceivedBySeller": "Получен продавцом",
}


def return_object(seller: Seller, ret: OzonReturn, now: float) -> dict:
    changed, sys_name = ret.step(now)
    rng = random.Random(ret.seed)
    sku, offer_id, name, quantity, price = ret.product
    arrived = ret.logistic_return_at <= now
    place = {
        "id": seller.warehouses[0][0] if seller.warehouses else 0,
        "name": "ПВЗ Москва",
        "address": "Москва, ул. Льва Толстого, 16",
    }
    return {
        "id": ret.id,
        "company_id": seller.client_id,
        "return_reason_name": "Не подошёл размер",
        "type": "ClientReturn",
        "schema": ret.schema,
        "order_id": ret.order_id,
        "order_number": ret.order_number,
        "posting_number": ret.posting_number,
        "source_id": rng.randint(10**8, 10**9),
        "clearing_id": 0,
        "return_clearing_id": None,
        "place": place,
        "target_place": place,
        "storage": {
            "sum": {"currency_code": "RUB", "price": 0},
            "tariffication_first_date": iso(ret.storage_start_at),
            "tariffication_start_date": iso(ret.storage_start_at),
            "arrived_moment": iso(ret.logistic_return_at) if arrived else None,
            "days": 0,
            "utilization_sum": {"currency_code": "RUB", "price": 0},
            "utilization_forecast_date": iso(ret.storage_start_at + 30 * DAY),
        },
        "product": {
            "sku": sku,
            "offer_id": offer_id,
            "name": name,
            "price": {"currency_code": "RUB", "price": price},
            "price_without_commission": {"currency_code": "RUB", "price": round(price * 0.85, 2)},
            "commission_percent": 15,
            "commission": {"currency_code": "RUB", "price": round(price * 0.15, 2)},
            "quantity": 1,
        },
        "logistic": {
            "technical_return_moment": None,
            "final_moment": iso(changed) if sys_name == "ReceivedBySeller" else None,
            "cancelled_with_compensation_moment": None,
            "return_date": iso(ret.logistic_return_at) if arrived else None,
            "barcode": f"ii{ret.id}",
        },
        "visual": {
            "status": {
                "id": list(VISUAL_NAMES).index(sys_name) + 1,
                "display_name": VISUAL_NAMES[sys_name],
                "sys_name": sys_name,
            },
            "change_moment": iso(changed),
        },
        "additional_info": {"is_opened": False, "is_super_econom": False},
        "exemplars": [{"id": ret.id * 10 + 1}],
    }


def stock_item(product: Product) -> dict:
    return {
        "offer_id": product.offer_id,
        "product_id": product.product_id,
        "stocks": [
            {
                "present": product.fbs_present,
                "reserved": product.fbs_reserved,
                "sku": product.fbs_sku,
                "type": "fbs",
                "shipment_type": "SHIPMENT_TYPE_GENERAL",
                "warehouse_ids": [str(product.warehouse_id)],  # int64 serialized as strings (OZ-SW25)
            },
            {
                "present": product.fbo_present,
                "reserved": product.fbo_reserved,
                "sku": product.fbo_sku,
                "type": "fbo",
                "shipment_type": "SHIPMENT_TYPE_GENERAL",
                "warehouse_ids": [],
            },
        ],
    }
