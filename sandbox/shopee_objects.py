"""Complete Shopee objects (orders, returns, items) rebuilt from each row's seed and the simulated clock."""

import random

from .state import DAY, Item, Order, Shop, ShopeeReturn

CURRENCIES = {
    "SG": "SGD",
    "MY": "MYR",
    "TH": "THB",
    "VN": "VND",
    "PH": "PHP",
    "ID": "IDR",
    "TW": "TWD",
    "BR": "BRL",
    "MX": "MXN",
    "CO": "COP",
    "CL": "CLP",
}
CARRIERS = ("SPX Express", "J&T Express", "Ninja Van", "Standard Delivery")
NAMES = ("Nguyen Van An", "Tran Thi Binh", "Siti Aminah", "Lim Wei Jie", "Somchai Dee", "Maria Santos", "Ana Lima")
CITIES = ("Ho Chi Minh", "Ha Noi", "Kuala Lumpur", "Bangkok", "Manila", "Jakarta", "Singapore")
LOGISTICS_BY_STATUS = {
    "UNPAID": "LOGISTICS_NOT_START",
    "READY_TO_SHIP": "LOGISTICS_READY",
    "PROCESSED": "LOGISTICS_REQUEST_CREATED",
    "SHIPPED": "LOGISTICS_PICKUP_DONE",
    "COMPLETED": "LOGISTICS_DELIVERY_DONE",
    "TO_RETURN": "LOGISTICS_DELIVERY_DONE",
    "IN_CANCEL": "LOGISTICS_READY",
    "CANCELLED": "LOGISTICS_REQUEST_CANCELED",
}
DEFAULT_ORDER_FIELDS = (
    "order_sn",
    "region",
    "currency",
    "cod",
    "order_status",
    "message_to_seller",
    "create_time",
    "update_time",
    "days_to_ship",
    "ship_by_date",
    "booking_sn",
)
# optional field name -> keys it adds to each order
OPTIONAL_ORDER_FIELDS = {
    "buyer_user_id": ("buyer_user_id",),
    "buyer_username": ("buyer_username",),
    "estimated_shipping_fee": ("estimated_shipping_fee",),
    "recipient_address": ("recipient_address",),
    "actual_shipping_fee": ("actual_shipping_fee",),
    "goods_to_declare": ("goods_to_declare",),
    "note": ("note",),
    "note_update_time": ("note_update_time",),
    "item_list": ("item_list",),
    "pay_time": ("pay_time",),
    "dropshipper": ("dropshipper",),
    "dropshipper_phone": ("dropshipper_phone",),
    "split_up": ("split_up",),
    "buyer_cancel_reason": ("buyer_cancel_reason",),
    "cancel_by": ("cancel_by",),
    "cancel_reason": ("cancel_reason",),
    "actual_shipping_fee_confirmed": ("actual_shipping_fee_confirmed",),
    "buyer_cpf_id": ("buyer_cpf_id",),
    "fulfillment_flag": ("fulfillment_flag",),
    "pickup_done_time": ("pickup_done_time",),
    "package_list": ("package_list",),
    "shipping_carrier": ("shipping_carrier", "checkout_shipping_carrier"),
    "payment_method": ("payment_method",),
    "total_amount": ("total_amount",),
    "invoice_data": ("invoice_data",),
    "order_chargeable_weight_gram": ("order_chargeable_weight_gram",),
    "return_request_due_date": ("return_request_due_date",),
    "edt": ("edt_from", "edt_to"),
    "payment_info": ("payment_info",),
    "international_label": ("international_label",),
    "pending_terms": ("pending_terms",),
}


def order_items(order: Order, shop: Shop) -> list[dict]:
    """The order's lines, stable for a given order (taken from the shop's items when it has any)."""
    rng = random.Random(order.seed)
    catalogue = list(shop.items.values())[:200]
    lines = []
    for _ in range(rng.randint(1, 3)):
        quantity = rng.randint(1, 3)
        if catalogue:
            item = rng.choice(catalogue)
            model = rng.choice(item.models) if item.models else None
            item_id, name, sku, price = item.item_id, item.name, item.sku, item.price
            model_id = model["model_id"] if model else 0
            model_name = model["name"] if model else ""
            model_sku = model["model_sku"] if model else ""
        else:
            item_id = 1_000_000_000 + rng.randint(1, 99_999_999)
            name, sku, price = f"Sample item {item_id % 10000}", f"SKU-{item_id}", round(rng.uniform(5, 300), 2)
            model_id, model_name, model_sku = 0, "", ""
        discounted = round(price * rng.choice((1, 1, 0.9, 0.8)), 2)
        lines.append(
            {
                "item_id": item_id,
                "item_name": name,
                "item_sku": sku,
                "model_id": model_id,
                "model_name": model_name,
                "model_sku": model_sku,
                "model_quantity_purchased": quantity,
                "model_original_price": price,
                "model_discounted_price": discounted,
                "wholesale": False,
                "weight": round(rng.uniform(0.1, 2), 2),
                "add_on_deal": False,
                "main_item": False,
                "add_on_deal_id": 0,
                "promotion_type": "",
                "promotion_id": 0,
                "order_item_id": item_id,
                "promotion_group_id": 0,
                "image_info": {"image_url": f"https://cf.shopee.sg/file/sim-{item_id}"},
                "product_location_id": [f"{shop.region}Z"],
                "is_prescription_item": False,
                "is_b2c_owned_item": False,
            }
        )
    return lines


def package_number(order: Order) -> str:
    return f"OFG{order.seed % 10**12:012d}"


def _cancel_fields(order: Order, status: str) -> tuple[str, str, str]:
    """(cancel_by, cancel_reason, buyer_cancel_reason)."""
    if status not in ("CANCELLED", "IN_CANCEL"):
        return "", "", ""
    if order.time_of("IN_CANCEL") is not None:
        return "buyer", "Need to change delivery address", "Need to change delivery address"
    return "system", "Unpaid order", ""


def order_object(order: Order, shop: Shop, now: float, optional: set[str]) -> dict:
    """One get_order_detail row: the default fields plus the optional ones named in `optional`."""
    rng = random.Random(order.seed ^ 0x5EED)
    update_time, status = order.step(now)
    lines = order_items(order, shop)
    paid = order.time_of("READY_TO_SHIP") if not order.cod else order.time_of("COMPLETED")
    pay_time = paid if paid is not None and paid <= now else None
    days_to_ship = 2 + order.seed % 4
    shipping_fee = round(rng.uniform(1, 5), 2)
    carrier = CARRIERS[order.seed % len(CARRIERS)]
    cancel_by, cancel_reason, buyer_cancel_reason = _cancel_fields(order, status)
    shipped = order.time_of("SHIPPED")
    pickup_done = shipped if shipped is not None and shipped <= now else 0
    completed = order.time_of("COMPLETED")
    name = NAMES[order.seed % len(NAMES)]
    city = CITIES[order.seed % len(CITIES)]
    full = {
        "order_sn": order.sn,
        "region": shop.region,
        "currency": CURRENCIES.get(shop.region, "USD"),
        "cod": order.cod,
        "order_status": status,
        "message_to_seller": "" if order.seed % 5 else "Please pack carefully",
        "create_time": order.create_time,
        "update_time": update_time,
        "days_to_ship": days_to_ship,
        "ship_by_date": (paid or order.create_time) + days_to_ship * DAY,
        "booking_sn": "",
        "buyer_user_id": 10_000_000 + order.seed % 90_000_000,
        "buyer_username": f"buyer{order.seed % 100000}",
        "estimated_shipping_fee": shipping_fee,
        "recipient_address": {
            "name": name[0] + "*" * (len(name) - 2) + name[-1],
            "phone": "******" + str(order.seed % 100).zfill(2),
            "town": "",
            "district": "District " + str(1 + order.seed % 12),
            "city": city,
            "state": city,
            "region": shop.region,
            "zipcode": str(10000 + order.seed % 89999),
            "full_address": f"****, District {1 + order.seed % 12}, {city}",
        },
        "actual_shipping_fee": shipping_fee if pickup_done else 0.0,
        "goods_to_declare": False,
        "note": "",
        "note_update_time": 0,
        "item_list": lines,
        "pay_time": pay_time,
        "dropshipper": "",
        "dropshipper_phone": "",
        "split_up": False,
        "buyer_cancel_reason": buyer_cancel_reason,
        "cancel_by": cancel_by,
        "cancel_reason": cancel_reason,
        "actual_shipping_fee_confirmed": bool(pickup_done),
        "buyer_cpf_id": "",
        "fulfillment_flag": "fulfilled_by_local_seller",
        "pickup_done_time": pickup_done,
        "package_list": [
            {
                "package_number": package_number(order),
                "logistics_status": LOGISTICS_BY_STATUS.get(status, ""),
                "logistics_channel_id": 50000 + order.seed % 20,
                "shipping_carrier": carrier,
                "allow_self_design_awb": False,
                "parcel_chargeable_weight_gram": 500,
                "item_list": [
                    {
                        "item_id": line["item_id"],
                        "model_id": line["model_id"],
                        "model_quantity": line["model_quantity_purchased"],
                        "order_item_id": line["order_item_id"],
                        "promotion_group_id": 0,
                        "product_location_id": line["product_location_id"][0],
                    }
                    for line in lines
                ],
            }
        ],
        "shipping_carrier": carrier,
        "checkout_shipping_carrier": carrier,
        "payment_method": "Cash on Delivery" if order.cod else "Credit Card/Debit Card",
        "total_amount": round(
            sum(x["model_discounted_price"] * x["model_quantity_purchased"] for x in lines) + shipping_fee, 2
        ),
        "invoice_data": None,
        "order_chargeable_weight_gram": 500,
        "return_request_due_date": completed + 15 * DAY if completed and completed <= now else 0,
        "edt_from": order.create_time + 3 * DAY,
        "edt_to": order.create_time + 7 * DAY,
        "payment_info": [],
        "international_label": "",
        "pending_terms": [],
    }
    keys = list(DEFAULT_ORDER_FIELDS)
    for name_ in optional:
        keys.extend(OPTIONAL_ORDER_FIELDS.get(name_, ()))
    return {key: full[key] for key in dict.fromkeys(keys)}


def return_object(ret: ShopeeReturn, shop: Shop, now: float, *, detail: bool = False) -> dict:
    """A get_return_list row, or with `detail` the get_return_detail answer."""
    rng = random.Random(ret.seed)
    update_time, status = ret.step(now)
    order = shop.orders_by_sn.get(ret.order_sn)
    lines = order_items(order, shop) if order else []
    amount = round(sum(x["model_discounted_price"] * x["model_quantity_purchased"] for x in lines), 2)
    reason = rng.choice(("ITEM_DAMAGED", "WRONG_ITEM", "DIFFERENT_DESCRIPTION", "CHANGE_MIND", "ITEM_MISSING"))
    tracking = ret.tracking_number if now >= ret.tracking_at else ""
    negotiation = "PENDING_RESPOND" if status == "REQUESTED" else "TERMINATED"
    row = {
        "return_sn": ret.return_sn,
        "order_sn": ret.order_sn,
        "status": status,
        "reason": reason,
        "text_reason": "The item arrived damaged.",
        "reassessed_request_reason": "",
        "refund_amount": amount,
        "amount_before_discount": amount,
        "currency": CURRENCIES.get(shop.region, "USD"),
        "create_time": ret.create_time,
        "update_time": update_time,
        "due_date": ret.create_time + 3 * DAY,
        "return_ship_due_date": ret.create_time + 7 * DAY,
        "return_seller_due_date": ret.create_time + 10 * DAY,
        "tracking_number": tracking,
        "needs_logistics": True,
        "dispute_reason": [],
        "dispute_text_reason": [],
        "image": [f"https://cf.shopee.sg/file/return-{ret.return_sn}"],
        "user": {"username": f"buyer{rng.randint(1, 99999)}", "email": "", "portrait": ""},
        "item": [
            {
                "item_id": x["item_id"],
                "model_id": x["model_id"],
                "name": x["item_name"],
                "images": [x["image_info"]["image_url"]],
                "amount": x["model_quantity_purchased"],
                "item_price": x["model_discounted_price"],
                "item_sku": x["item_sku"],
                "variation_sku": x["model_sku"],
                "is_add_on_deal": False,
                "is_main_item": False,
                "add_on_deal_id": 0,
            }
            for x in lines
        ],
        "negotiation_status": negotiation,
        "seller_proof_status": "NOT_NEEDED",
        "seller_compensation_status": "COMPENSATION_NOT_APPLICABLE",
        "return_refund_type": "RRBOC",
        "return_solution": 0,
        "is_seller_arrange": False,
        "is_shipping_proof_mandatory": False,
        "return_refund_request_type": 0,
        "validation_type": "seller_validation",
    }
    if not detail:
        return row
    logistics = "LOGISTICS_PICKUP_DONE" if tracking else "LOGISTICS_NOT_START"
    row.update(
        {
            "buyer_videos": [],
            "activity": [],
            "seller_proof": {"seller_proof_status": "NOT_NEEDED", "seller_evidence_deadline": 0},
            "seller_compensation": {
                "seller_compensation_status": "COMPENSATION_NOT_APPLICABLE",
                "seller_compensation_due_date": 0,
                "compensation_amount": 0.0,
            },
            "negotiation": {
                "negotiation_status": negotiation,
                "latest_solution": "RETURN_REFUND",
                "latest_offer_amount": amount,
                "latest_offer_creator": "buyer",
                "counter_limit": 2,
                "offer_due_date": ret.create_time + 3 * DAY,
            },
            "logistics_status": logistics,
            "reverse_logistics_status": logistics,
            "return_pickup_address": {
                "name": "Buyer",
                "phone": "******00",
                "address": "****",
                "town": "",
                "district": "",
                "city": "",
                "state": "",
                "region": shop.region,
                "zipcode": "",
            },
            "return_address": {"whs_id": ""},
            "has_uploaded_shipping_proof": False,
            "reverse_logistics_channel_name": "Standard Return",
        }
    )
    return row


def _stock_info(available: int, reserved: int, region: str) -> dict:
    return {
        "summary_info": {"total_reserved_stock": reserved, "total_available_stock": available},
        "seller_stock": [{"location_id": f"{region}Z", "stock": available, "if_saleable": True}],
        "shopee_stock": [],
    }


def _price_info(price: float, region: str) -> list[dict]:
    return [
        {
            "currency": CURRENCIES.get(region, "USD"),
            "original_price": price,
            "current_price": price,
            "inflated_price_of_original_price": price,
            "inflated_price_of_current_price": price,
        }
    ]


def item_object(item: Item, region: str) -> dict:
    """A get_item_base_info row; items with models have no price_info and sum their models' stock."""
    available = sum(m["stock"] for m in item.models) if item.models else item.stock
    reserved = sum(m["reserved"] for m in item.models) if item.models else item.reserved
    row = {
        "item_id": item.item_id,
        "category_id": 100001,
        "item_name": item.name,
        "description": "",
        "item_sku": item.sku,
        "create_time": item.create_time,
        "update_time": item.update_time,
        "attribute_list": [],
        "image": {"image_url_list": [], "image_id_list": []},
        "weight": "0.5",
        "dimension": {"package_length": 10, "package_width": 10, "package_height": 5},
        "logistic_info": [],
        "pre_order": {"is_pre_order": False, "days_to_ship": 3},
        "wholesales": [],
        "condition": "NEW",
        "size_chart": "",
        "item_status": item.status,
        "deboost": False,
        "has_model": bool(item.models),
        "promotion_id": 0,
        "brand": {"brand_id": 0, "original_brand_name": "NoBrand"},
        "item_dangerous": 0,
        "description_type": "normal",
        "stock_info_v2": _stock_info(available, reserved, region),
    }
    if not item.models:
        row["price_info"] = _price_info(item.price, region)
    return row


def model_list(item: Item, region: str) -> dict:
    if not item.models:
        return {"tier_variation": [], "model": []}
    return {
        "tier_variation": [{"name": "Colour", "option_list": [{"option": m["name"]} for m in item.models]}],
        "model": [
            {
                "model_id": m["model_id"],
                "model_sku": m["model_sku"],
                "model_status": m.get("status", "MODEL_NORMAL"),
                "tier_index": m["tier_index"],
                "price_info": _price_info(m["price"], region),
                "stock_info_v2": _stock_info(m["stock"], m["reserved"], region),
                "pre_order": {"is_pre_order": False, "days_to_ship": 3},
                "weight": "0.5",
            }
            for m in item.models
        ],
    }
