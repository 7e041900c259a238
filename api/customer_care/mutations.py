"""Complaints, feedback and enquiries, delivery ratings, and the SLA check, through the application's commands.

A customer opens and reopens only their own cases and rates only their own deliveries; agents
acknowledge, propose, resolve and close.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.arguments import IdempotencyKey
from api.auth import CUSTOMER
from api.context import Context
from api.customer_care.permissions import check_may_see_case, own_customer
from api.customer_care.types import (
    AcknowledgeCaseInput, CasePayload, CaseStatus, CloseCaseInput, EscalatedItem, OpenCaseInput,
    ProposeCaseSolutionInput, RateDeliveryInput, RatingPayload, ReopenCaseInput, ResolveCaseInput, SlaCheckPayload,
)
from domain.execution import CommandResult
from projections.cases import get_case


def case_payload(result: CommandResult) -> CasePayload:
    return CasePayload(position=result.position, repeated=result.repeated, number=result["number"],
                       status=CaseStatus(result["status"]))


async def check_own_case(context: Context, number: str) -> None:
    """Before a customer acts on a case: is it theirs? (read once the cases projection has caught up)."""
    principal = context.require_principal()
    if principal.role == CUSTOMER:
        view = await context.read(get_case, number, context.application.clock.now(), at_least=await context.head())
        check_may_see_case(principal, view, number)


@strawberry.type
class CaseMutations:
    @strawberry.mutation(description="Open a complaint, feedback or enquiry; the SLA clocks start now.")
    async def open_case(
        self, info: Info[Context, None], input: OpenCaseInput, idempotency_key: IdempotencyKey = None,
    ) -> CasePayload:
        customer = own_customer(info.context.require_principal(), input.customer)
        return case_payload(await info.context.command(
            "open_case", customer, input.kind.value, input.channel.value, input.category.value, input.description,
            order=input.order, number=input.number, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(description="An agent takes the case up (this does not stop the 2-hour solution clock).")
    async def acknowledge_case(
        self, info: Info[Context, None], input: AcknowledgeCaseInput, idempotency_key: IdempotencyKey = None,
    ) -> CasePayload:
        return case_payload(await info.context.command(
            "acknowledge_case", input.number, input.by, idempotency_key=idempotency_key))

    @strawberry.mutation
    async def propose_case_solution(
        self, info: Info[Context, None], input: ProposeCaseSolutionInput, idempotency_key: IdempotencyKey = None,
    ) -> CasePayload:
        return case_payload(await info.context.command(
            "propose_case_solution", input.number, input.solution, input.by, idempotency_key=idempotency_key))

    @strawberry.mutation
    async def resolve_case(
        self, info: Info[Context, None], input: ResolveCaseInput, idempotency_key: IdempotencyKey = None,
    ) -> CasePayload:
        return case_payload(await info.context.command(
            "resolve_case", input.number, input.resolution, input.compensation, input.root_cause.value, input.by,
            idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(description="A resolved case opens again with fresh SLA clocks.")
    async def reopen_case(
        self, info: Info[Context, None], input: ReopenCaseInput, idempotency_key: IdempotencyKey = None,
    ) -> CasePayload:
        await check_own_case(info.context, input.number)
        return case_payload(await info.context.command(
            "reopen_case", input.number, input.reason, idempotency_key=idempotency_key))

    @strawberry.mutation(description="Close after the follow-up call, with the customer's satisfaction (1-5).")
    async def close_case(
        self, info: Info[Context, None], input: CloseCaseInput, idempotency_key: IdempotencyKey = None,
    ) -> CasePayload:
        return case_payload(await info.context.command(
            "close_case", input.number, input.satisfaction, input.notes, input.by, idempotency_key=idempotency_key))

    @strawberry.mutation(description="Escalate every case and request whose promise is broken by now (the worker "
                         "does this every `care_check_seconds`).")
    async def check_case_slas(
        self, info: Info[Context, None], idempotency_key: IdempotencyKey = None,
    ) -> SlaCheckPayload:
        result = await info.context.command("check_case_slas", idempotency_key=idempotency_key)
        return SlaCheckPayload(
            position=result.position, repeated=result.repeated,
            escalated=[EscalatedItem(kind=e["kind"], number=e["number"], sla=e["sla"]) for e in result["escalated"]],
        )

    @strawberry.mutation(description="Rate a delivered order, once: 1 to 5 stars and a comment; it counts for the "
                         "courier who brought it.")
    async def rate_delivery(
        self, info: Info[Context, None], input: RateDeliveryInput, idempotency_key: IdempotencyKey = None,
    ) -> RatingPayload:
        principal = info.context.require_principal()
        result = await info.context.command(
            "rate_delivery", input.order, input.stars, input.comment,
            customer=principal.subject if principal.role == CUSTOMER else None, idempotency_key=idempotency_key,
        )
        return RatingPayload(position=result.position, repeated=result.repeated, order=result["order"],
                             courier=result["courier"], stars=result["stars"])
