"""Which events the customer (or the shop's purchasing contact) hears about, and the words that fill the message.

Each reaction queues one notification whose topic names the triggering event (its version
where an event may happen again, say a second delivery attempt), so a replayed event finds
its notification already queued and nothing goes out twice. Events older than the settings'
`notification_max_age_hours` are not announced: a policy catching up on old history must not
tell customers about yesterday's deliveries.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable

from domain.aftersales import AfterSalesRequest
from domain.cases import CustomerCase
from domain.delays import DeliveryDelay
from domain.couriers import Courier
from domain.customers import Customer
from domain.orders import Order
from domain.situations import SituationNotice
from domain.stock import StockItem
from domain.templates import language_or_default, local_time, local_window, word
from domain.warehouses import Warehouse


def _e(cls: type, name: str) -> type:
    return getattr(cls, name)  # type: ignore[no-any-return]


def key_of(policy: str, event: Any) -> str:
    return f"policy:{policy}:{event.originator_id}:{event.originator_version}"


def is_stale(app: Any, event: Any) -> bool:
    return app.clock.now() - event.timestamp > timedelta(hours=app.settings.notification_max_age_hours)


def customer_language(app: Any, customer: str) -> str:
    person = app.get_or_none(Customer.create_id(customer))
    return language_or_default(person.language if person is not None else None)


def courier_name(app: Any, courier: str | None) -> str:
    found = app.get_or_none(Courier.create_id(courier)) if courier else None
    return found.name if found is not None else (courier or "")


# -- orders ------------------------------------------------------------------------------------------


def _order_params(app: Any, order: Order, language: str) -> dict[str, str]:
    zone = app.settings.business_timezone
    return {"order": order.number, "window": local_window(order.window_start, order.window_end, zone, language)}


ORDER_KINDS: dict[type, tuple[str, Callable[[Any], dict[str, str]]]] = {
    _e(Order, "OrderPlaced"): ("order_placed", lambda e: {}),
    _e(Order, "OrderOutForDelivery"): ("order_out_for_delivery", lambda e: {}),
    _e(Order, "OrderDelivered"): ("order_delivered", lambda e: {}),
    _e(Order, "DeliveryFailed"): ("delivery_failed", lambda e: {"reason": e.reason}),
    _e(Order, "OrderReturnedToWarehouse"): ("order_returned", lambda e: {"reason": e.reason}),
    _e(Order, "OrderCancelled"): ("order_cancelled", lambda e: {"reason": e.reason}),
}


def announce_order_event(app: Any, event: Any) -> None:
    if is_stale(app, event):
        return
    order = app.repository.get(event.originator_id, version=event.originator_version)
    language = customer_language(app, order.customer_id)
    kind, extra = ORDER_KINDS[type(event)]
    params = {**_order_params(app, order, language), **extra(event)}
    if kind == "order_out_for_delivery":
        params["courier"] = courier_name(app, order.courier_id)
        eta = app.live_eta(order.number)
        if eta is not None:
            params["eta"] = local_time(eta.eta, app.settings.business_timezone)
    app.queue_notification(
        f"order:{order.number}", f"{type(event).__name__}/{event.originator_version}", kind, params,
        customer=order.customer_id, order=order.number, idempotency_key=key_of("notify-customers", event),
    )


def announce_delay(app: Any, event: Any) -> None:
    """A late delivery, told while its window is still open: the reason and the new arrival time."""
    if is_stale(app, event):
        return
    language = customer_language(app, event.customer)
    zone = app.settings.business_timezone
    app.queue_notification(
        f"order:{event.order}", f"DeliveryDelayed/{event.notice}", "delivery_delayed",
        {"order": event.order, "window": local_window(event.window_start, event.window_end, zone, language),
         "reason": word(event.reason, language), "eta": local_time(event.eta, zone)},
        customer=event.customer, order=event.order, idempotency_key=key_of("notify-customers", event),
    )


def announce_situation_notice(app: Any, event: Any) -> None:
    if is_stale(app, event):
        return
    language = customer_language(app, event.customer)
    app.queue_notification(
        f"order:{event.order}", f"SpecialSituation/{event.situation}", "special_situation",
        {"order": event.order, "reason": word(event.kind, language),
         "eta": local_time(event.eta, app.settings.business_timezone)},
        customer=event.customer, order=event.order, idempotency_key=key_of("notify-customers", event),
    )


# -- complaints and feedback -------------------------------------------------------------------------


CASE_KINDS: dict[type, tuple[str, Callable[[Any], dict[str, str]]]] = {
    _e(CustomerCase, "CaseOpened"): ("case_opened", lambda e: {}),
    _e(CustomerCase, "ComplaintOpened"): ("case_opened", lambda e: {}),
    _e(CustomerCase, "CaseAcknowledged"): ("case_acknowledged", lambda e: {}),
    _e(CustomerCase, "CaseSolutionProposed"): ("case_solution_proposed", lambda e: {"solution": e.solution}),
    _e(CustomerCase, "CaseResolved"): ("case_resolved", lambda e: {
        "resolution": e.resolution, **({"compensation": str(e.compensation)} if e.compensation > 0 else {})}),
    _e(CustomerCase, "CaseReopened"): ("case_reopened", lambda e: {}),
    _e(CustomerCase, "CaseClosed"): ("case_closed", lambda e: {}),
    _e(CustomerCase, "CaseEscalated"): ("case_escalated", lambda e: {}),
}


def announce_case_event(app: Any, event: Any) -> None:
    if is_stale(app, event):
        return
    case = app.repository.get(event.originator_id, version=event.originator_version)
    kind, extra = CASE_KINDS[type(event)]
    app.queue_notification(
        f"case:{case.number}", f"{type(event).__name__}/{event.originator_version}", kind,
        {"case": case.number, **extra(event)}, customer=case.customer, order=case.order,
        idempotency_key=key_of("notify-customers", event),
    )


# -- returns, exchanges, repairs ---------------------------------------------------------------------


def _pickup_window(app: Any, e: Any, language: str) -> dict[str, str]:
    return {"window": local_window(e.window_start, e.window_end, app.settings.business_timezone, language)}


def _exchange(app: Any, e: Any, language: str) -> dict[str, str]:
    """The replacement order and when it comes."""
    order = app.existing_order(e.exchange_order)
    return {"exchange": order.number,
            "window": local_window(order.window_start, order.window_end, app.settings.business_timezone, language)}


AFTERSALES_KINDS: dict[type, tuple[str, Callable[[Any, Any, str], dict[str, str]]]] = {
    _e(AfterSalesRequest, "AfterSalesRequested"): ("aftersales_requested", lambda app, e, lang: {}),
    _e(AfterSalesRequest, "AfterSalesApproved"): ("aftersales_approved", lambda app, e, lang: {}),
    _e(AfterSalesRequest, "AfterSalesRejected"): ("aftersales_rejected", lambda app, e, lang: {"reason": e.reason}),
    _e(AfterSalesRequest, "AfterSalesEscalated"): ("aftersales_escalated", lambda app, e, lang: {}),
    _e(AfterSalesRequest, "ReturnPickupScheduled"): ("aftersales_pickup_scheduled", _pickup_window),
    _e(AfterSalesRequest, "ReturnPickedUp"): ("aftersales_picked_up", lambda app, e, lang: {}),
    _e(AfterSalesRequest, "ReturnReceived"): ("aftersales_received", lambda app, e, lang: {}),
    _e(AfterSalesRequest, "ReturnInspected"): (
        "aftersales_inspected", lambda app, e, lang: {"result": word(e.result, lang)}),
    _e(AfterSalesRequest, "RefundIssued"): ("aftersales_refunded", lambda app, e, lang: {"amount": str(e.amount)}),
    _e(AfterSalesRequest, "ExchangeOrderPlaced"): ("aftersales_exchanged", _exchange),
    _e(AfterSalesRequest, "ReturnRestocked"): ("aftersales_restocked", lambda app, e, lang: {}),
    _e(AfterSalesRequest, "ReturnWrittenOff"): ("aftersales_written_off", lambda app, e, lang: {}),
    _e(AfterSalesRequest, "SentToRepair"): ("aftersales_sent_to_repair", lambda app, e, lang: {}),
    _e(AfterSalesRequest, "RepairCompleted"): ("aftersales_repaired", lambda app, e, lang: {}),
    _e(AfterSalesRequest, "RepairedGoodsReturned"): ("aftersales_returned_to_customer", lambda app, e, lang: {}),
}


def announce_aftersales_event(app: Any, event: Any) -> None:
    if is_stale(app, event):
        return
    request = app.repository.get(event.originator_id, version=event.originator_version)
    language = customer_language(app, request.customer)
    kind, extra = AFTERSALES_KINDS[type(event)]
    params = {"request": request.number, "order": request.order, "service": word(request.service, language),
              **extra(app, event, language)}
    app.queue_notification(
        f"aftersales:{request.number}", f"{type(event).__name__}/{event.originator_version}", kind, params,
        customer=request.customer, order=request.order, idempotency_key=key_of("notify-customers", event),
    )


# -- the shop's own people ---------------------------------------------------------------------------


def tell_purchasing(app: Any, event: Any) -> None:
    """A replenishment request goes to the warehouse's purchasing contact, with the stock as it stood then."""
    if is_stale(app, event):
        return
    item = app.repository.get(event.originator_id, version=event.originator_version)
    warehouse = app.get_or_none(Warehouse.create_id(item.warehouse))
    contact = getattr(warehouse, "purchasing_contact", "") if warehouse is not None else ""
    if not contact:
        return
    app.queue_notification(
        f"stock:{item.warehouse}:{item.sku}", f"ReplenishmentRequested/{event.originator_version}",
        "replenishment_requested",
        {"warehouse": item.warehouse, "sku": item.sku, "available": str(item.available),
         "quantity": str(event.quantity)},
        contact=contact, idempotency_key=key_of("tell-purchasing", event),
    )


REPLENISHMENT_REQUESTED: type = _e(StockItem, "ReplenishmentRequested")

# Every customer-facing event and the reaction that turns it into a message.
ANNOUNCERS: dict[type, Callable[[Any, Any], None]] = {
    **{cls: announce_order_event for cls in ORDER_KINDS},
    **{cls: announce_case_event for cls in CASE_KINDS},
    **{cls: announce_aftersales_event for cls in AFTERSALES_KINDS},
    _e(DeliveryDelay, "DeliveryDelayed"): announce_delay,
    _e(SituationNotice, "SituationNoticeIssued"): announce_situation_notice,
}


def notify_customers(app: Any, event: Any) -> None:
    """Customer-facing event -> a notification in the outbox for each of the customer's channels."""
    ANNOUNCERS[type(event)](app, event)
