"""Properties of the promises, for any inputs: live ETAs keep route order and never promise earlier than the plan,
quiet hours end at the recipient's morning, and a broken SLA is escalated exactly once per promise and round."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from domain.cases import COMPLAINT, CaseClocks, CustomerCase
from domain.delays import PlannedVisit, Position, Travel, live_etas
from domain.notifications import quiet_until

START = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
SHANGHAI = timezone(timedelta(hours=8))

legs = st.lists(st.tuples(st.integers(60, 1800), st.integers(0, 900), st.integers(60, 300)), min_size=1, max_size=8)


def route(plan: list[tuple[int, int, int]]) -> list[PlannedVisit]:
    """Visits from (travel, wait for the window, service) seconds per stop, along a line heading north."""
    visits, clock = [], START
    for i, (travel, wait, service) in enumerate(plan):
        arrival = clock + timedelta(seconds=travel)
        start = arrival + timedelta(seconds=wait)
        clock = start + timedelta(seconds=service)
        visits.append(PlannedVisit(ref=f"O-{i}", kind="delivery", lat=31.2 + 0.01 * (i + 1), lon=121.47, zone=None,
                                   arrival=arrival, start=start, departure=clock))
    return visits


@given(legs, st.integers(-3600, 3 * 3600), st.floats(31.1, 31.3), st.booleans())
def test_live_etas_keep_route_order_and_never_beat_the_plan_or_the_clock(
        plan: list[tuple[int, int, int]], offset: int, lat: float, seen: bool) -> None:
    visits = route(plan)
    now = START + timedelta(seconds=offset)
    position = Position(lat, 121.47, now - timedelta(minutes=1)) if seen else None
    etas = live_etas(visits, position, now, Travel(kmh=15.0, detour_factor=1.3, traffic=lambda zone: 1.0))
    assert [e.ref for e in etas] == [v.ref for v in visits]
    assert [e.stops_away for e in etas] == list(range(len(visits)))
    assert all(e.eta >= now for e in etas)
    assert all(later.eta > earlier.eta for earlier, later in zip(etas, etas[1:]))
    assert all(e.eta >= e.planned or not seen for e in etas[1:])


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(timezone.utc)))
def test_quiet_hours_end_at_eight_in_the_morning_where_the_customer_lives(moment: datetime) -> None:
    until = quiet_until(moment, "Asia/Shanghai", "22:00", "08:00")
    local = moment.astimezone(SHANGHAI)
    quiet = local.hour >= 22 or local.hour < 8
    assert (until is not None) == quiet
    if until is not None:
        assert until.astimezone(SHANGHAI).time().isoformat() == "08:00:00"
        assert timedelta(0) < until - moment <= timedelta(hours=10)


@given(st.lists(st.integers(1, 300), min_size=1, max_size=12), st.booleans())
def test_a_broken_promise_is_escalated_once_per_round_whenever_the_checks_run(
        gaps: list[int], reopened: bool) -> None:
    clocks = CaseClocks(solution_hours=2, resolution_hours=4)
    case = CustomerCase.open("CASE-P", "CUST-1", COMPLAINT, "phone", "late", "late", None, None, None, clocks, START)
    now = START
    for i, gap in enumerate(gaps):
        now += timedelta(minutes=gap)
        if reopened and i == len(gaps) // 2:
            case.resolve("sorry", 0, "courier", "agent")
            case.reopen("still unhappy", clocks, now)
        case.escalate(now)
    for sla, due in case.dues.items():
        escalated = (sla, case.round) in case.escalated
        assert escalated == (due is not None and now > due), (sla, due, now)
    escalations = [e for e in case.collect_events() if type(e).__name__ == "CaseEscalated"]
    assert len(escalations) == len({(e.sla, e.round) for e in escalations})
