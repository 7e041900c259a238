"""A courier's working life through the application's commands: hiring, training, standing, skills and shifts.

Staff manage couriers; a courier clocks in and out, and takes breaks, on their own shifts only.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.arguments import IdempotencyKey
from api.context import Context
from api.couriers.permissions import acting_courier
from api.couriers.types import (
    CancelShiftInput,
    CourierNoteInput,
    CourierPayload,
    CourierReasonInput,
    CourierReferenceInput,
    CourierSkillInput,
    CourierStatus,
    PlanShiftInput,
    ReceiveCourierApplicationInput,
    RecordCourierTrainingInput,
    ScreenCourierInput,
    SetCourierHomeZoneInput,
    ShiftPayload,
    ShiftStepInput,
    StartShiftInput,
    TrainingPayload,
)
from domain.execution import CommandResult


def standing(result: CommandResult) -> CourierPayload:
    return CourierPayload(
        position=result.position, repeated=result.repeated, reference=result["reference"],
        status=CourierStatus(result["status"]),
    )


def shift_step(result: CommandResult) -> ShiftPayload:
    return ShiftPayload(
        position=result.position, repeated=result.repeated, courier=result["courier"], shift=result["shift"],
        vehicle=result.data.get("vehicle"),
    )


@strawberry.type
class CourierMutations:
    # -- hiring and standing ---------------------------------------------------------------

    @strawberry.mutation
    async def receive_courier_application(
        self, info: Info[Context, None], input: ReceiveCourierApplicationInput, idempotency_key: IdempotencyKey = None,
    ) -> CourierPayload:
        return standing(await info.context.command(
            "receive_courier_application", input.reference, input.name, input.phone, input.id_document,
            input.driving_years, input.licence_class.value, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(description="Record the background check; failing the hiring rules rejects the applicant.")
    async def screen_courier(
        self, info: Info[Context, None], input: ScreenCourierInput, idempotency_key: IdempotencyKey = None,
    ) -> CourierPayload:
        return standing(await info.context.command(
            "screen_courier", input.reference, input.background_check_passed, input.note,
            checked_by=input.checked_by, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(description="A course and its exam; passing retraining lifts a flag's ban on shifts.")
    async def record_courier_training(
        self, info: Info[Context, None], input: RecordCourierTrainingInput, idempotency_key: IdempotencyKey = None,
    ) -> TrainingPayload:
        result = await info.context.command(
            "record_courier_training", input.reference, input.course, input.hours, input.score,
            idempotency_key=idempotency_key,
        )
        return TrainingPayload(
            position=result.position, repeated=result.repeated, reference=result["reference"],
            status=CourierStatus(result["status"]), passed=result["passed"], retraining_due=result["retrainingDue"],
        )

    @strawberry.mutation(description="Only after every required course is passed.")
    async def certify_courier(
        self, info: Info[Context, None], input: CourierReferenceInput, idempotency_key: IdempotencyKey = None,
    ) -> CourierPayload:
        return standing(await info.context.command(
            "certify_courier", input.reference, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def activate_courier(
        self, info: Info[Context, None], input: CourierReferenceInput, idempotency_key: IdempotencyKey = None,
    ) -> CourierPayload:
        return standing(await info.context.command(
            "activate_courier", input.reference, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(description="Off the road at once: a running shift ends and its vehicle comes back.")
    async def suspend_courier(
        self, info: Info[Context, None], input: CourierReasonInput, idempotency_key: IdempotencyKey = None,
    ) -> CourierPayload:
        return standing(await info.context.command(
            "suspend_courier", input.reference, input.reason, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def reinstate_courier(
        self, info: Info[Context, None], input: CourierNoteInput, idempotency_key: IdempotencyKey = None,
    ) -> CourierPayload:
        return standing(await info.context.command(
            "reinstate_courier", input.reference, input.note, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(
        description="Also how a supervisor confirms a proposed offboarding; every shift ends or is cancelled.")
    async def offboard_courier(
        self, info: Info[Context, None], input: CourierReasonInput, idempotency_key: IdempotencyKey = None,
    ) -> CourierPayload:
        return standing(await info.context.command(
            "offboard_courier", input.reference, input.reason, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(description="A supervisor keeps a courier whose repeated flags proposed offboarding.")
    async def dismiss_offboarding_proposal(
        self, info: Info[Context, None], input: CourierNoteInput, idempotency_key: IdempotencyKey = None,
    ) -> CourierPayload:
        return standing(await info.context.command(
            "dismiss_offboarding_proposal", input.reference, input.note, idempotency_key=idempotency_key,
        ))

    # -- skills and zone -------------------------------------------------------------------

    @strawberry.mutation
    async def grant_courier_skill(
        self, info: Info[Context, None], input: CourierSkillInput, idempotency_key: IdempotencyKey = None,
    ) -> CourierPayload:
        return standing(await info.context.command(
            "grant_courier_skill", input.reference, input.skill.value, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def revoke_courier_skill(
        self, info: Info[Context, None], input: CourierSkillInput, idempotency_key: IdempotencyKey = None,
    ) -> CourierPayload:
        return standing(await info.context.command(
            "revoke_courier_skill", input.reference, input.skill.value, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def set_courier_home_zone(
        self, info: Info[Context, None], input: SetCourierHomeZoneInput, idempotency_key: IdempotencyKey = None,
    ) -> CourierPayload:
        return standing(await info.context.command(
            "set_courier_home_zone", input.reference, input.zone, idempotency_key=idempotency_key,
        ))

    # -- shifts ----------------------------------------------------------------------------

    @strawberry.mutation(description="Only a certified, active courier is given shifts; shifts never overlap.")
    async def plan_shift(
        self, info: Info[Context, None], input: PlanShiftInput, idempotency_key: IdempotencyKey = None,
    ) -> ShiftPayload:
        return shift_step(await info.context.command(
            "plan_shift", input.courier, input.start, input.end, input.zone, vehicle=input.vehicle,
            idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(description="A shift that has not started; one that has is ended instead.")
    async def cancel_shift(
        self, info: Info[Context, None], input: CancelShiftInput, idempotency_key: IdempotencyKey = None,
    ) -> ShiftPayload:
        return shift_step(await info.context.command(
            "cancel_shift", input.courier, input.shift, input.reason, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation(
        description="Clock in and take the shift's vehicle out; refused until a flagged courier retrains.")
    async def start_shift(
        self, info: Info[Context, None], input: StartShiftInput, idempotency_key: IdempotencyKey = None,
    ) -> ShiftPayload:
        courier = acting_courier(info.context.require_principal(), input.courier)
        return shift_step(await info.context.command(
            "start_shift", courier, input.shift, idempotency_key=idempotency_key,
        ))

    @strawberry.mutation
    async def start_break(
        self, info: Info[Context, None], input: ShiftStepInput, idempotency_key: IdempotencyKey = None,
    ) -> ShiftPayload:
        courier = acting_courier(info.context.require_principal(), input.courier)
        return shift_step(await info.context.command("start_break", courier, idempotency_key=idempotency_key))

    @strawberry.mutation
    async def end_break(
        self, info: Info[Context, None], input: ShiftStepInput, idempotency_key: IdempotencyKey = None,
    ) -> ShiftPayload:
        courier = acting_courier(info.context.require_principal(), input.courier)
        return shift_step(await info.context.command("end_break", courier, idempotency_key=idempotency_key))

    @strawberry.mutation(description="Clock out; the shift's vehicle comes back.")
    async def end_shift(
        self, info: Info[Context, None], input: ShiftStepInput, idempotency_key: IdempotencyKey = None,
    ) -> ShiftPayload:
        courier = acting_courier(info.context.require_principal(), input.courier)
        return shift_step(await info.context.command("end_shift", courier, idempotency_key=idempotency_key))
