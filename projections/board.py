"""The supervisor's board: every escalated case and after-sales request still open, most overdue first."""

from __future__ import annotations

from datetime import datetime

from projections.aftersales import escalated_requests
from projections.cases import escalated_cases
from projections.database import ReadDatabase
from projections.pagination import check_aware
from projections.views import BoardItemView
from domain.slas import AFTERSALES, CASE


def supervisor_board(db: ReadDatabase, now: datetime) -> list[BoardItemView]:
    """Overdue minutes are counted to `now`, so the board shows how long each has waited so far."""
    check_aware(now, "now")
    items = [
        BoardItemView(
            kind=CASE, number=case["number"], customer=case["customer"], category=case["category"],
            status=case["status"], order=case["order_number"], courier=case["courier"], zone=case["zone"],
            sla=escalation["sla"], due=escalation["due"], escalated_at=escalation["at"],
            overdue_minutes=int((now - escalation["due"]).total_seconds() // 60),
        )
        for case, escalation in escalated_cases(db)
    ]
    items.extend(
        BoardItemView(
            kind=AFTERSALES, number=request["number"], customer=request["customer"], category=request["service"],
            status=request["status"], order=request["order_number"], courier=None, zone=request["zone"],
            sla="answer", due=request["answer_due"], escalated_at=request["escalated_at"],
            overdue_minutes=int((now - request["answer_due"]).total_seconds() // 60),
        )
        for request in escalated_requests(db)
    )
    return sorted(items, key=lambda item: (item.due, item.number))
