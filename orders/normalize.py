"""Pure functions from the platform clients' typed answers to the rows orders.services upserts.

No database, no clock: the same answer always gives the same rows, so a page seen twice, by a push and a
poll, upserts to nothing new. Statuses are normalized to orders.choices (the raw value is kept).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from stores.clients import ozon as oz
from stores.clients import shopee as sp

from .choices import CaseKind, CaseStatus, Fulfilment, OrderStatus

CENT = Decimal("0.01")

SHOPEE_ORDER_STATUS = {
    "UNPAID": OrderStatus.PENDING,
    "PENDING": OrderStatus.PENDING,
    "INVOICE_PENDING": OrderStatus.PENDING,
    "READY_TO_SHIP": OrderStatus.TO_SHIP,
    "PROCESSED": OrderStatus.TO_SHIP,
    "RETRY_SHIP": OrderStatus.TO_SHIP,
    "IN_CANCEL": OrderStatus.CANCELLING,
    "SHIPPED": OrderStatus.SHIPPED,
    "TO_CONFIRM_RECEIVE": OrderStatus.SHIPPED,
    "COMPLETED": OrderStatus.DELIVERED,
    "CANCELLED": OrderStatus.CANCELLED,
    "TO_RETURN": OrderStatus.RETURNING,
}
OZON_POSTING_STATUS = {
    "acceptance_in_progress": OrderStatus.PENDING,
    "awaiting_approve": OrderStatus.PENDING,
    "awaiting_packaging": OrderStatus.TO_SHIP,
    "awaiting_registration": OrderStatus.TO_SHIP,
    "awaiting_deliver": OrderStatus.TO_SHIP,
    "delivering": OrderStatus.SHIPPED,
    "driver_pickup": OrderStatus.SHIPPED,
    "sent_by_seller": OrderStatus.SHIPPED,
    "delivered": OrderStatus.DELIVERED,
    "cancelled": OrderStatus.CANCELLED,
    "cancelled_from_split_pending": OrderStatus.CANCELLED,
}
SHOPEE_RETURN_STATUS = {
    "REQUESTED": CaseStatus.REQUESTED,
    "PROCESSING": CaseStatus.PROCESSING,
    "SELLER_DISPUTE": CaseStatus.DISPUTED,
    "JUDGING": CaseStatus.DISPUTED,
    "ACCEPTED": CaseStatus.ACCEPTED,
    "CLOSED": CaseStatus.CLOSED,
    "CANCELLED": CaseStatus.CANCELLED,
}
_OZON_RETURN_GROUPS = {
    CaseStatus.REQUESTED: ("OnSellerApproval",),
    CaseStatus.DISPUTED: (
        "DisputeOpened",
        "DisputeYouOpened",
        "DisputeOpening",
        "OnSellerClarification",
        "OnSellerClarificationAfterPartialCompensation",
        "OfferedPartialCompensation",
        "CompensationOffered",
        "WaitingCompensation",
        "PartialCompensationInProcess",
    ),
    CaseStatus.RETURNING: (
        "MovingToOzon",
        "ReturnedToOzon",
        "ArrivedAtReturnPlace",
        "MovingToSeller",
        "ReturningToSellerByCourier",
        "WaitingShipment",
    ),
    CaseStatus.ACCEPTED: (
        "Approved",
        "ApprovedByOzon",
        "ReturnMoneyApproved",
        "MoneyReturned",
        "MoneyReturnedBySystem",
        "ReturnCompensated",
        "PartialCompensationReturned",
    ),
    CaseStatus.CLOSED: (
        "ReceivedBySeller",
        "Utilizing",
        "Utilized",
        "Rejected",
        "CrmRejected",
        "CompensationRejected",
        "CompensationRejectedBySla",
        "CompensationRejectedBySeller",
    ),
    CaseStatus.CANCELLED: ("Cancelled", "CancelledDisputeNotOpen"),
}
OZON_RETURN_STATUS = {name: status for status, names in _OZON_RETURN_GROUPS.items() for name in names}
OZON_RETURN_KIND = {"Cancellation": CaseKind.CANCELLATION}


@dataclass(frozen=True, slots=True)
class ItemRow:
    sku: str  # the platform's SKU key (Shopee "item_id" or "item_id:model_id", Ozon sku)
    seller_sku: str
    name: str
    quantity: int
    price: Decimal | None


@dataclass(frozen=True, slots=True)
class OrderRow:
    order_id: str
    order_number: str
    fulfilment: str
    status: str
    platform_status: str
    amount: Decimal | None
    currency: str
    buyer_name: str
    ship_by: datetime | None
    carrier: str
    tracking_number: str
    platform_created_at: datetime | None
    platform_updated_at: datetime | None
    items: tuple[ItemRow, ...]

    @property
    def items_digest(self) -> str:
        text = "\x1e".join(f"{i.sku}\x1f{i.seller_sku}\x1f{i.name}\x1f{i.quantity}\x1f{i.price}" for i in self.items)
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class CaseRow:
    case_id: str
    order_ref: str
    kind: str
    reason: str
    status: str
    platform_status: str
    amount: Decimal | None
    currency: str
    buyer_name: str
    due_at: datetime | None
    platform_created_at: datetime | None
    platform_updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class StockRow:
    sku: str
    scheme: str
    seller_sku: str
    name: str
    quantity: int  # sellable: present - reserved
    reserved: int


def _cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


# --- Shopee -------------------------------------------------------------------------------------------


def shopee_sku(item_id: int | None, model_id: int | None) -> str:
    return f"{item_id}:{model_id}" if model_id else str(item_id)


def shopee_order(detail: sp.OrderDetail, *, tracking_number: str = "") -> OrderRow:
    """An order from get_order_detail (the tracking number comes from get_tracking_number, when known)."""
    raw = detail.raw
    recipient = _dict(raw.get("recipient_address"))
    package = detail.packages[0] if detail.packages else None
    items = tuple(
        ItemRow(
            sku=shopee_sku(i.item_id, i.model_id),
            seller_sku=i.model_sku or i.item_sku,
            name=f"{i.item_name} {i.model_name}".strip() if i.model_name else i.item_name,
            quantity=i.quantity,
            price=_cents(i.discounted_price or i.original_price),
        )
        for i in detail.items
    )
    return OrderRow(
        order_id=detail.order_sn,
        order_number=detail.order_sn,
        fulfilment=Fulfilment.PLATFORM if raw.get("fulfillment_flag") == "fulfilled_by_shopee" else Fulfilment.SELLER,
        status=SHOPEE_ORDER_STATUS.get(detail.order_status, OrderStatus.EXCEPTION),
        platform_status=detail.order_status,
        amount=_cents(detail.total_amount),
        currency=detail.currency,
        buyer_name=str(recipient.get("name") or detail.buyer_username or ""),
        ship_by=detail.ship_by_date,
        carrier=detail.shipping_carrier or (package.shipping_carrier if package else ""),
        tracking_number=tracking_number,
        platform_created_at=detail.create_time,
        platform_updated_at=detail.update_time,
        items=items,
    )


def shopee_case(ret: sp.ShopeeReturn) -> CaseRow:
    """A return/refund request from get_return_list or get_return_detail."""
    raw = ret.raw
    solution = raw.get("return_solution")
    return CaseRow(
        case_id=ret.return_sn,
        order_ref=ret.order_sn,
        kind=CaseKind.REFUND if solution == 1 else CaseKind.RETURN_REFUND,
        reason=ret.reason,
        status=SHOPEE_RETURN_STATUS.get(ret.status, CaseStatus.PROCESSING),
        platform_status=ret.status,
        amount=_cents(ret.refund_amount),
        currency=ret.currency,
        buyer_name=str(_dict(raw.get("user")).get("username") or ""),
        due_at=ret.due_date,
        platform_created_at=ret.create_time,
        platform_updated_at=ret.update_time,
    )


def shopee_stock(row: sp.StockRow) -> StockRow:
    """A sellable stock row (an item without variants, or one variant) from ShopeeShopClient.get_stock."""
    return StockRow(
        sku=shopee_sku(row.item_id, row.model_id),
        scheme="",
        seller_sku=row.sku,
        name=row.name,
        quantity=row.available or 0,
        reserved=row.reserved or 0,
    )


# --- Ozon ---------------------------------------------------------------------------------------------


def ozon_order(posting: oz.OzonPosting) -> OrderRow:
    """An FBS (seller ships) or FBO (Ozon's warehouse ships) posting from any list or get answer."""
    raw = posting.raw
    delivery = _dict(raw.get("delivery_method"))
    buyer = _dict(raw.get("customer")).get("name") or _dict(raw.get("addressee")).get("name") or ""
    amount, currency = Decimal(0), ""
    for product in posting.products:
        if product.price is not None:
            amount += product.price.amount * product.quantity
            currency = currency or product.price.currency
    updated = oz.parse_datetime(raw, "last_changed_status_date", posting.posting_number)
    items = tuple(
        ItemRow(
            sku=str(p.sku) if p.sku is not None else p.offer_id,
            seller_sku=p.offer_id,
            name=p.name,
            quantity=p.quantity,
            price=_cents(p.price.amount) if p.price else None,
        )
        for p in posting.products
    )
    return OrderRow(
        order_id=posting.posting_number,
        order_number=posting.order_number,
        fulfilment=Fulfilment.SELLER if posting.scheme == "fbs" else Fulfilment.PLATFORM,
        status=OZON_POSTING_STATUS.get(posting.status, OrderStatus.EXCEPTION),
        platform_status=posting.status,
        amount=_cents(amount) if posting.products else None,
        currency=currency or "RUB",
        buyer_name=str(buyer),
        ship_by=posting.shipment_date,
        carrier=str(delivery.get("tpl_provider") or posting.delivery_method or ""),
        tracking_number=posting.tracking_number,
        platform_created_at=posting.created_at or posting.in_process_at,
        platform_updated_at=updated,
        items=items,
    )


def ozon_case(ret: oz.OzonReturn) -> CaseRow:
    """A return from /v1/returns/list; due when storage fees start at the return place."""
    raw = ret.raw
    storage = _dict(raw.get("storage"))
    due = oz.parse_datetime(storage, "tariffication_start_date", f"returns[{ret.id}].storage") if storage else None
    amount = ret.price.amount * (ret.quantity or 1) if ret.price else None
    return CaseRow(
        case_id=str(ret.id),
        order_ref=ret.posting_number,
        kind=OZON_RETURN_KIND.get(ret.type, CaseKind.RETURN),
        reason=ret.return_reason_name,
        status=OZON_RETURN_STATUS.get(ret.status, CaseStatus.PROCESSING),
        platform_status=ret.status,
        amount=_cents(amount),
        currency=(ret.price.currency if ret.price else "") or "RUB",
        buyer_name="",
        due_at=due,
        platform_created_at=None,
        platform_updated_at=ret.status_changed_at,
    )


def ozon_stocks(item: oz.OzonStockItem) -> list[StockRow]:
    """One row per scheme (fbs, fbo, …) of a product from /v4/product/info/stocks."""
    return [
        StockRow(
            sku=str(stock.sku) if stock.sku is not None else str(item.product_id),
            scheme=stock.type,
            seller_sku=item.offer_id,
            name="",
            quantity=stock.available,
            reserved=stock.reserved,
        )
        for stock in item.stocks
    ]
