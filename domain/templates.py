"""Every word the customer reads, per event and language, so wording is changed in one place and never in code.

A notification is rendered when it is queued and the text is recorded with it: what a
customer was told stays readable in the log even after a template is reworded. The
tracking timeline uses the same phrases, so the page and the messages never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from string import Formatter
from typing import Mapping
from zoneinfo import ZoneInfo

from domain.customers import LANGUAGES

ZH = "zh-CN"
EN = "en"
DEFAULT_LANGUAGE = ZH


@dataclass(frozen=True)
class Template:
    """A short title (WeChat's first line, an e-mail's subject) and the message itself."""

    title: str
    text: str


def _t(zh: tuple[str, str], en: tuple[str, str]) -> dict[str, Template]:
    return {ZH: Template(*zh), EN: Template(*en)}


# A kind ending in "/eta" is the variant chosen when a new arrival time is known.
TEMPLATES: dict[str, dict[str, Template]] = {
    # -- orders ---------------------------------------------------------------------------
    "order_placed": _t(
        ("订单已提交", "您的订单{order}已提交，将于{window}送达。"),
        ("Order placed", "Your order {order} is placed and will arrive {window}."),
    ),
    "order_out_for_delivery": _t(
        ("正在派送", "您的订单{order}已由配送员{courier}派送中，将于{window}送达。"),
        ("Out for delivery", "Your order {order} is on its way with courier {courier}, arriving {window}."),
    ),
    "order_out_for_delivery/eta": _t(
        ("正在派送", "您的订单{order}已由配送员{courier}派送中，预计{eta}左右送达。"),
        ("Out for delivery", "Your order {order} is on its way with courier {courier}, arriving around {eta}."),
    ),
    "order_delivered": _t(
        ("已送达", "您的订单{order}已送达。欢迎为本次配送打分（1-5星）。"),
        ("Delivered", "Your order {order} has been delivered. Please rate the delivery from 1 to 5 stars."),
    ),
    "delivery_failed": _t(
        ("配送未成功", "您的订单{order}本次未能送达（{reason}），我们会尽快与您联系。"),
        ("Delivery attempt failed", "We could not deliver your order {order} ({reason}); we will be in touch."),
    ),
    "order_returned": _t(
        ("订单已退回仓库", "您的订单{order}未能送达，已退回仓库（{reason}）。"),
        ("Order returned", "Your order {order} could not be delivered and went back to the warehouse ({reason})."),
    ),
    "order_cancelled": _t(
        ("订单已取消", "您的订单{order}已取消（{reason}）。"),
        ("Order cancelled", "Your order {order} is cancelled ({reason})."),
    ),
    "delivery_delayed": _t(
        ("配送延误", "抱歉，您的订单{order}配送有所延误（{reason}），预计{eta}左右送达（约定时间{window}）。"),
        ("Running late", "Sorry: your order {order} is running late ({reason}); it now arrives around {eta} "
                         "(your window: {window})."),
    ),
    "special_situation": _t(
        ("特殊情况通知", "因{reason}，您的订单{order}将有所延迟，新的送达时间将另行通知。"),
        ("Service notice", "Because of {reason}, your order {order} will be later than planned; "
                           "we will tell you the new time."),
    ),
    "special_situation/eta": _t(
        ("特殊情况通知", "因{reason}，您的订单{order}预计{eta}左右送达。"),
        ("Service notice", "Because of {reason}, your order {order} now arrives around {eta}."),
    ),
    # -- complaints and feedback -------------------------------------------------------------
    "case_opened": _t(
        ("已收到您的反馈", "我们已收到您的反馈（编号{case}），将尽快处理。"),
        ("We have your message", "We have your message (case {case}) and are on it."),
    ),
    "case_acknowledged": _t(
        ("专人处理中", "您的反馈{case}已由客服专员跟进。"),
        ("Case taken up", "An agent has taken up your case {case}."),
    ),
    "case_solution_proposed": _t(
        ("处理方案", "关于{case}，我们的处理方案：{solution}"),
        ("Proposed solution", "For case {case} we propose: {solution}"),
    ),
    "case_resolved": _t(
        ("问题已解决", "您的反馈{case}已解决：{resolution}"),
        ("Case resolved", "Your case {case} is resolved: {resolution}"),
    ),
    "case_resolved/compensation": _t(
        ("问题已解决", "您的反馈{case}已解决：{resolution}。补偿金额{compensation}元。"),
        ("Case resolved", "Your case {case} is resolved: {resolution}. Compensation: {compensation} CNY."),
    ),
    "case_reopened": _t(
        ("反馈已重新处理", "您的反馈{case}已重新打开，我们会继续跟进。"),
        ("Case reopened", "Your case {case} is open again and we are back on it."),
    ),
    "case_closed": _t(
        ("感谢您的评价", "您的反馈{case}已结案，感谢您的评分。"),
        ("Thank you", "Your case {case} is closed. Thank you for your feedback."),
    ),
    "case_escalated": _t(
        ("已升级处理", "您的反馈{case}已提交主管优先处理。"),
        ("Escalated", "Your case {case} has been passed to a supervisor."),
    ),
    # -- returns, exchanges, repairs ------------------------------------------------------------
    "aftersales_requested": _t(
        ("售后申请已提交", "您的{service}申请{request}（订单{order}）已提交，我们将在24小时内答复。"),
        ("Request received", "Your {service} request {request} for order {order} is in; we answer within 24 hours."),
    ),
    "aftersales_approved": _t(
        ("售后申请已通过", "您的{service}申请{request}已通过。"),
        ("Request approved", "Your {service} request {request} is approved."),
    ),
    "aftersales_rejected": _t(
        ("售后申请未通过", "您的{service}申请{request}未通过：{reason}"),
        ("Request declined", "Your {service} request {request} was declined: {reason}"),
    ),
    "aftersales_pickup_scheduled": _t(
        ("上门取件", "我们将于{window}上门取回{request}的商品。"),
        ("Pickup booked", "We will collect the goods of request {request} {window}."),
    ),
    "aftersales_picked_up": _t(
        ("已取件", "{request}的商品已由配送员取走。"),
        ("Picked up", "The goods of request {request} have been collected."),
    ),
    "aftersales_received": _t(
        ("仓库已收货", "{request}的商品已到达仓库。"),
        ("Received", "The goods of request {request} have arrived at our warehouse."),
    ),
    "aftersales_inspected": _t(
        ("检验完成", "{request}的商品已检验：{result}。"),
        ("Inspected", "The goods of request {request} have been inspected: {result}."),
    ),
    "aftersales_refunded": _t(
        ("已退款", "{request}已退款{amount}元。"),
        ("Refunded", "Request {request}: {amount} CNY refunded."),
    ),
    "aftersales_exchanged": _t(
        ("换货已发出", "{request}的换货订单{exchange}已创建，将于{window}送达。"),
        ("Exchange on its way", "Request {request}: replacement order {exchange} will arrive {window}."),
    ),
    "aftersales_restocked": _t(
        ("处理完成", "{request}的退回商品已重新入库，本次售后处理完成。"),
        ("All done", "Request {request}: the returned goods are back in stock; we are done."),
    ),
    "aftersales_written_off": _t(
        ("处理完成", "{request}的退回商品已报废处理，本次售后处理完成。"),
        ("All done", "Request {request}: the returned goods were written off; we are done."),
    ),
    "aftersales_sent_to_repair": _t(
        ("送修中", "{request}的商品已送往维修。"),
        ("Sent for repair", "The goods of request {request} are at the repairer."),
    ),
    "aftersales_repaired": _t(
        ("维修完成", "{request}的商品已修好，即将送回。"),
        ("Repaired", "The goods of request {request} are repaired and coming back to you."),
    ),
    "aftersales_returned_to_customer": _t(
        ("已送回", "{request}的商品已送回给您。"),
        ("Back with you", "The repaired goods of request {request} have been returned to you."),
    ),
    "aftersales_escalated": _t(
        ("已升级处理", "您的申请{request}已提交主管优先处理。"),
        ("Escalated", "Your request {request} has been passed to a supervisor."),
    ),
    # -- the shop's own people --------------------------------------------------------------------
    "replenishment_requested": _t(
        ("补货申请", "{warehouse}仓库{sku}库存不足（可用{available}），请补货{quantity}件。"),
        ("Replenishment request", "{warehouse}: {sku} is low ({available} available); please order {quantity}."),
    ),
}

# The tracking page's timeline, in the same two languages.
PHRASES: dict[str, dict[str, str]] = {
    "placed": {ZH: "已下单", EN: "Order placed"},
    "picked": {ZH: "正在备货", EN: "Being picked"},
    "packed": {ZH: "已打包", EN: "Packed"},
    "handed": {ZH: "已交给配送员{courier}", EN: "With courier {courier}"},
    "out": {ZH: "正在派送", EN: "Out for delivery"},
    "stops_away": {ZH: "还有{stops}站", EN: "{stops} stops away"},
    "next_stop": {ZH: "下一站就是您", EN: "You are the next stop"},
    "arriving": {ZH: "预计{eta}左右送达", EN: "Arriving around {eta}"},
    "delivered": {ZH: "已送达", EN: "Delivered"},
    "failed": {ZH: "配送未成功：{reason}", EN: "Delivery attempt failed: {reason}"},
    "returned": {ZH: "已退回仓库", EN: "Returned to the warehouse"},
    "cancelled": {ZH: "已取消", EN: "Cancelled"},
    "delayed": {ZH: "配送延误（{reason}），预计{eta}左右送达", EN: "Running late ({reason}), now around {eta}"},
}

# Words that fill other templates: why something is late, what kind of after-sales service.
WORDS: dict[str, dict[str, str]] = {
    "heavy_rain": {ZH: "暴雨", EN: "heavy rain"},
    "road_closure": {ZH: "道路封闭", EN: "a road closure"},
    "peak_overload": {ZH: "订单高峰", EN: "a peak of orders"},
    "other": {ZH: "特殊情况", EN: "unusual conditions"},
    "courier_running_late": {ZH: "配送员前序站点耗时较长", EN: "the courier is behind schedule"},
    "route_replanned": {ZH: "路线调整", EN: "the route was re-planned"},
    "busy_route": {ZH: "配送路线繁忙", EN: "a busy route"},
    "courier_not_moving": {ZH: "配送员暂时停留", EN: "the courier has been held up"},
    "return": {ZH: "退货", EN: "return"},
    "exchange": {ZH: "换货", EN: "exchange"},
    "repair": {ZH: "维修", EN: "repair"},
    "as_described": {ZH: "符合要求", EN: "as described"},
    "damaged": {ZH: "有损坏", EN: "damaged"},
    "incomplete": {ZH: "不完整", EN: "incomplete"},
}

# Kinds whose message is about a delivery happening now: they go out in quiet hours too,
# because the customer chose a delivery window then and a late warning held until
# morning would be no warning at all.
URGENT_KINDS = frozenset({"order_out_for_delivery", "delivery_delayed", "special_situation", "delivery_failed"})


class TemplateMissing(LookupError):
    """A kind or language with no wording: a programming error, never a customer's."""


def language_or_default(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def select(kind: str, params: Mapping[str, str]) -> str:
    """The template key for `kind`: its "/eta" or "/compensation" variant when that detail is known."""
    for detail in ("eta", "compensation"):
        variant = f"{kind}/{detail}"
        if params.get(detail) and variant in TEMPLATES:
            return variant
    if kind not in TEMPLATES:
        raise TemplateMissing(f"no template for {kind!r}")
    return kind


def render(kind: str, language: str, params: Mapping[str, str]) -> Template:
    """The title and text for `kind` in `language`, every placeholder filled."""
    template = TEMPLATES[select(kind, params)][language_or_default(language)]
    return Template(_fill(template.title, params, kind), _fill(template.text, params, kind))


def phrase(key: str, language: str, **params: object) -> str:
    return _fill(PHRASES[key][language_or_default(language)], {k: str(v) for k, v in params.items()}, key)


def word(key: str, language: str) -> str:
    """A filler word in `language`; a key with no translation is shown as given (a dispatcher's own words)."""
    return WORDS.get(key, {}).get(language_or_default(language), key)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def _fill(text: str, params: Mapping[str, str], kind: str) -> str:
    missing = placeholders(text) - set(params)
    if missing:
        raise TemplateMissing(f"{kind} needs {', '.join(sorted(missing))}")
    return text.format_map(params)


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_time(moment: datetime, timezone: str) -> str:
    """HH:MM on the customer's clock."""
    return moment.astimezone(_zone(timezone)).strftime("%H:%M")


def local_window(start: datetime, end: datetime, timezone: str, language: str) -> str:
    """A window as the customer says it, with its date: a message may be read the day before."""
    zone = _zone(timezone)
    a, b = start.astimezone(zone), end.astimezone(zone)
    if language_or_default(language) == EN:
        return f"{a:%d %b} {a:%H:%M}-{b:%H:%M}"
    return f"{a.month}月{a.day}日 {a:%H:%M}-{b:%H:%M}"
