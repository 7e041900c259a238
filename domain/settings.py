"""The one settings object, read from the environment once."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlparse

DEFAULT_DATABASE_URL = "sqlite:///peisong.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    data_dir: Path = Path(".")
    secret_key: str = ""
    default_reorder_threshold: int = 10
    default_stock_take_days: int = 30
    token_ttl_hours: int = 24 * 30
    tracking_token_ttl_hours: int = 24 * 7
    read_wait_seconds: float = 5.0
    max_query_depth: int = 12
    max_query_tokens: int = 2000
    max_page_size: int = 500
    # Couriers (domain/couriers.py, domain/assessment.py): hiring, training, shifts, assessment.
    hiring_min_driving_years: int = 1
    hiring_licence_classes: tuple[str, ...] = ()
    courier_required_courses: tuple[str, ...] = ("safety", "service", "app")
    course_pass_marks: tuple[tuple[str, int], ...] = (("safety", 80), ("service", 70), ("app", 70), ("retraining", 80))
    default_course_pass_mark: int = 60
    retraining_course: str = "retraining"
    max_shift_hours: int = 12
    shift_early_start_minutes: int = 60
    assessment_period_months: int = 1
    flags_before_offboarding: int = 2
    # Zones and live locations (domain/zones.py, domain/locations.py, domain/anomalies.py).
    zone_overlap_tolerance_m2: float = 10.0
    business_timezone: str = "Asia/Shanghai"  # a courier's track runs from local midnight to midnight
    ping_max_speed_kmh: float = 120.0  # faster than this between two pings is a bad fix, not a courier
    ping_max_accuracy_m: float = 500.0
    ping_future_tolerance_seconds: int = 120
    default_speed_limit_kmh: float = 50.0  # when the courier's vehicle type is not known
    stale_position_seconds: int = 300
    off_route_metres: float = 300.0
    idle_radius_metres: float = 50.0
    idle_alert_seconds: int = 600
    stop_radius_metres: float = 150.0
    # A route may bring its courier back this long after their shift ends: the evening's last round is ridden
    # rather than left at the counter for want of a few minutes.
    route_overtime_minutes: float = 30.0
    # Change feeds and webhooks (api/feeds/, api/webhooks/, domain/webhooks.py).
    feed_heartbeat_seconds: float = 15.0  # an idle SSE stream sends a comment this often, so proxies keep it open
    webhook_pause_after_failures: int = 5  # consecutive failed attempts (any event) before a webhook is paused
    webhook_max_attempts: int = 8  # attempts on one event before it is given up on (and retried only by hand)
    webhook_retry_base_seconds: float = 2.0  # first retry delay; doubles per attempt, with jitter
    webhook_retry_max_seconds: float = 600.0
    webhook_timeout_seconds: float = 10.0
    webhook_poll_seconds: float = 1.0
    # Access and hardening (api/ratelimit.py, api/revocation.py).
    rate_limit_per_second: float = 50.0  # per token (or per client address without one); 0 turns limiting off
    rate_limit_burst: int = 100  # requests a caller may make at once before the rate applies
    revocation_refresh_seconds: float = 1.0  # how stale an API process's list of revoked tokens may get
    # Route planning and dispatch (domain/routing.py, domain/planning.py, api/routing/).
    planning_time_limit_seconds: float = 20.0  # search budget of a plan asked for without one
    planning_max_iterations: int | None = None  # when set, plans stop on iterations instead (repeatable runs)
    planning_seed: int = 1
    planning_processes: int = 0  # plans solved side by side in this process's worker; 0: one per core
    planning_progress_seconds: float = 2.0  # how often a running plan records its progress
    planning_lease_seconds: float = 300.0  # a claim not heard from for this long may be taken over
    planning_poll_seconds: float = 0.5  # how often a planning worker looks for plans to solve
    stop_service_seconds: int = 180  # handing over one order at the door
    depot_loading_seconds: int = 300  # loading at the warehouse before each trip
    detour_factor: float = 1.3  # road distance over great-circle distance in the city
    cold_chain_categories: tuple[str, ...] = ("frozen",)  # product categories that travel refrigerated
    bulky_unit_litres: float = 20.0  # an item this big needs a vehicle that takes bulky goods
    wave_minutes: int = 3  # automatic waves: ready orders are planned this often
    wave_minutes_by_warehouse: tuple[tuple[str, int], ...] = ()  # per-warehouse intervals; 0 turns waves off
    wave_auto_dispatch: bool = True  # the shop dispatches wave plans without a human
    wave_seconds_per_order: float = 0.05  # a wave's search budget grows with its orders (at least a second) ...
    wave_time_limit_seconds: float = 20.0  # ... up to this
    wave_check_seconds: float = 5.0  # how often the scheduler looks at the clock
    fleet_history_weeks: int = 4  # same weekdays averaged for a day's expected orders
    # Customer care (domain/cases.py, domain/aftersales.py, domain/delays.py, domain/situations.py, api/outbox/).
    case_solution_hours: float = 2.0  # a complaint or enquiry needs a proposed solution this soon (acknowledging is not one)
    case_resolution_hours: float = 48.0
    aftersales_answer_hours: float = 24.0  # a return, exchange or repair request is approved or rejected this soon
    return_window_days: int = 7  # after-sales windows of product categories without a policy of their own
    exchange_window_days: int = 15
    repair_window_days: int = 365
    rating_window_days: int = 14  # how long after delivery a customer may rate it
    delay_margin_minutes: float = 10.0  # a stop whose live ETA passes its window's end minus this is delayed
    delay_renotify_minutes: float = 20.0  # a further delay notice only when the ETA slips this much more
    care_check_seconds: float = 30.0  # how often the worker checks SLAs, delays and special situations' periods
    quiet_hours: tuple[str, str] = ("22:00", "08:00")  # customers' local time; urgent delivery news still goes out
    notification_gateway_url: str = ""  # the SMS/WeChat/webhook/mail gateway; empty: the local log file below
    notification_log: str = "notifications.log"  # in the data directory
    notification_timeout_seconds: float = 10.0
    notification_retry_base_seconds: float = 1.0  # first retry delay of a failed message; doubles, with jitter
    notification_retry_max_seconds: float = 300.0
    notification_poll_seconds: float = 0.5
    notification_max_age_hours: float = 24.0  # older events are not announced (a policy catching up on history)
    # Demand and stock forecasting, staffing (projections/forecasts.py, projections/staffing.py, api/analytics/).
    reorder_lead_time_days: float = 3.0  # supplier lead time a reorder point covers
    reorder_service_level: float = 0.95  # chance of not running out before a replenishment arrives
    reorder_review_seconds: float = 3600.0  # how often the worker moves thresholds to the forecast reorder points; 0: never
    courier_cost_per_hour: float = 30.0  # a courier's pay per hour on shift (yuan), on top of the vehicle's hourly cost

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        env = os.environ
        base = cls(
            database_url=env.get("PEISONG_DATABASE_URL", DEFAULT_DATABASE_URL),
            default_reorder_threshold=int(env.get("PEISONG_REORDER_THRESHOLD", "10")),
            default_stock_take_days=int(env.get("PEISONG_STOCK_TAKE_DAYS", "30")),
            token_ttl_hours=int(env.get("PEISONG_TOKEN_TTL_HOURS", str(24 * 30))),
            read_wait_seconds=float(env.get("PEISONG_READ_WAIT_SECONDS", "5")),
            rate_limit_per_second=float(env.get("PEISONG_RATE_LIMIT_PER_SECOND", "50")),
            rate_limit_burst=int(env.get("PEISONG_RATE_LIMIT_BURST", "100")),
            notification_gateway_url=env.get("PEISONG_NOTIFICATION_GATEWAY_URL", ""),
            wave_minutes=int(env.get("PEISONG_WAVE_MINUTES", str(cls.wave_minutes))),
            wave_auto_dispatch=env.get("PEISONG_WAVE_AUTO_DISPATCH", "1").lower() not in ("0", "false", "no"),
            planning_processes=int(env.get("PEISONG_PLANNING_PROCESSES", "0")),
            route_overtime_minutes=float(env.get("PEISONG_ROUTE_OVERTIME_MINUTES", str(cls.route_overtime_minutes))),
        )
        settings = replace(base, **overrides)  # type: ignore[arg-type]
        data_dir = Path(env.get("PEISONG_DATA_DIR") or settings.default_data_dir())
        settings = replace(settings, data_dir=data_dir)
        if not settings.secret_key:
            settings = replace(settings, secret_key=env.get("PEISONG_SECRET_KEY") or settings.kept_secret())
        return settings

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        return Path(unquote(urlparse(self.database_url).path.removeprefix("/")))

    def default_data_dir(self) -> Path:
        if self.is_sqlite:
            return self.sqlite_path.parent
        return Path.home() / ".peisong"

    def kept_secret(self) -> str:
        """A signing key generated once and kept in the data directory."""
        path = self.data_dir / "peisong-secret.key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key
