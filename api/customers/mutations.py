"""Changing customers through the application's commands; a customer changes only their own record."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.arguments import IdempotencyKey
from api.context import Context
from api.customers.permissions import check_acts_for
from api.customers.types import (
    AddCustomerAddressInput,
    ChangeCustomerContactInput,
    CustomerPayload,
    RegisterCustomerInput,
    SetCustomerOptOutInput,
)
from domain.execution import CommandResult


def payload(result: CommandResult) -> CustomerPayload:
    return CustomerPayload(position=result.position, repeated=result.repeated, reference=result["reference"])


@strawberry.type
class CustomerMutations:
    @strawberry.mutation
    async def register_customer(
        self, info: Info[Context, None], input: RegisterCustomerInput, idempotency_key: IdempotencyKey = None,
    ) -> CustomerPayload:
        check_acts_for(info.context.require_principal(), input.reference)
        return payload(await info.context.command(
            "register_customer", input.reference, input.name, input.phone,
            addresses=[a.as_record() for a in input.addresses], language=input.language,
            channels=list(input.channels), idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def add_customer_address(
        self, info: Info[Context, None], input: AddCustomerAddressInput, idempotency_key: IdempotencyKey = None,
    ) -> CustomerPayload:
        check_acts_for(info.context.require_principal(), input.reference)
        return payload(await info.context.command(
            "add_customer_address", input.reference, input.address.as_record(), idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def change_customer_contact(
        self, info: Info[Context, None], input: ChangeCustomerContactInput, idempotency_key: IdempotencyKey = None,
    ) -> CustomerPayload:
        check_acts_for(info.context.require_principal(), input.reference)
        return payload(await info.context.command(
            "change_customer_contact", input.reference, input.phone, input.language, list(input.channels),
            idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(description="Stop (or resume) messages to a customer on one channel.")
    async def set_customer_opt_out(
        self, info: Info[Context, None], input: SetCustomerOptOutInput, idempotency_key: IdempotencyKey = None,
    ) -> CustomerPayload:
        check_acts_for(info.context.require_principal(), input.reference)
        return payload(await info.context.command(
            "set_customer_opt_out", input.reference, input.channel, input.opted_out, idempotency_key=idempotency_key,
        ))
