"""The generated city a simulated day happens in: warehouses, zones, customers, couriers and their vehicles.

A city is described by a `CitySpec` (its size, how many warehouses, which couriers on which
vehicles, orders a day, zones per warehouse, shift pattern, day and seed) and set up through the
application's own commands, the evening before the day, so the day's log starts from a shop that
exists like any other. Everything random is drawn from the seed; the fleet, the zones and the
shift pattern are the levers a what-if pulls, so the customers and their addresses depend on
neither. A city can also be planned over a shop that exists already (`sim.demo_city` adopts the
demo's) and only its crew and the day's stock recorded (`hire_couriers`, `stock_warehouses`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Iterator, Mapping
from zoneinfo import ZoneInfo

import numpy as np
import shapely
import shapely.prepared
from shapely.geometry import MultiPoint, Polygon, box, mapping

from domain.app import Peisong
from domain.clock import ManualClock
from domain.couriers import Courier
from sim.catalogue import CatalogueItem, generate_catalogue
from sim.demo import WAREHOUSES as DEMO_WAREHOUSES
from solver.geo import haversine_m

TIMEZONE = ZoneInfo("Asia/Shanghai")
METRES_PER_DEGREE = 111_320.0

# The demo's four hubs first, then more sites for bigger networks.
HUBS: tuple[tuple[str, str, float, float], ...] = (
    *DEMO_WAREHOUSES,
    ("WH-XUHUI", "Xuhui hub", 31.1880, 121.4365),
    ("WH-YANGPU", "Yangpu hub", 31.2830, 121.5260),
    ("WH-CHANGNING", "Changning hub", 31.2200, 121.4000),
    ("WH-HUANGPU", "Huangpu hub", 31.2300, 121.4900),
)
SERVICE_BOX = (121.15, 30.95, 121.80, 31.55)  # lon/lat bounds of everything the shop serves
CUSTOMER_SPREAD_M = 2_000.0  # customers live around their nearest hub, a few km out

# name, kg, litres, cruise km/h, max km/h, per km, per hour, per day, skills, rush-hour km/h.
# Bikes and tricycles carry insulated boxes, as instant-delivery riders do.
VEHICLE_TYPES: tuple[tuple[str, str, str, str, str, str, str, str, tuple[str, ...], str | None], ...] = (
    ("e-bike", "40", "120", "18", "25", "0.05", "25", "3", ("cold_chain",), None),
    ("tricycle", "150", "600", "15", "25", "0.08", "28", "5", ("cold_chain", "bulky"), None),
    ("van", "600", "3000", "28", "80", "0.90", "35", "120", ("bulky",), "18"),
    ("refrigerated van", "800", "4000", "28", "80", "1.20", "38", "150", ("cold_chain", "bulky"), "18"),
)
VEHICLE_TYPE_NAMES = tuple(t[0] for t in VEHICLE_TYPES)
RUSH_HOURS = (("07:30", "09:30"), ("17:00", "19:30"))
ZONE_KINDS = ("residential", "business", "mixed", "commercial")
SEAM = 2e-6  # degrees (about 20 cm) left between neighbouring zones, so rounding can never make them overlap


@dataclass(frozen=True)
class CitySize:
    warehouses: int
    fleet: tuple[tuple[str, int], ...]
    orders: int
    customers: int
    zones_per_warehouse: int


SIZES: dict[str, CitySize] = {
    "small": CitySize(2, (("e-bike", 10), ("tricycle", 2), ("van", 2)), 400, 300, 2),
    "medium": CitySize(4, (("e-bike", 96), ("tricycle", 12), ("van", 12)), 2_400, 1_200, 3),
    "large": CitySize(4, (("e-bike", 220), ("tricycle", 40), ("van", 30), ("refrigerated van", 10)),
                      20_000, 6_000, 4),
}
# Staggered so the lunch and evening peaks find most of the fleet on duty and the last promises are kept.
DEFAULT_SHIFTS = (("08:00", "17:00"), ("10:30", "19:30"), ("13:00", "22:00"), ("14:00", "23:00"))
DEFAULT_DAY = date(2026, 3, 12)  # a Thursday


@dataclass(frozen=True)
class CitySpec:
    """Everything that shapes a city; `with_changes` is how a what-if alters one."""

    size: str = "medium"
    warehouses: int = 4
    fleet: tuple[tuple[str, int], ...] = SIZES["medium"].fleet
    orders: int = SIZES["medium"].orders
    customers: int = SIZES["medium"].customers
    zones_per_warehouse: int = 3
    shifts: tuple[tuple[str, str], ...] = DEFAULT_SHIFTS
    day: date = DEFAULT_DAY
    seed: int = 1

    @classmethod
    def of_size(cls, size: str = "medium", seed: int = 1, **changes: Any) -> "CitySpec":
        if size not in SIZES:
            raise ValueError(f"city size is one of {', '.join(SIZES)}, not {size!r}")
        base = SIZES[size]
        spec = cls(size=size, warehouses=base.warehouses, fleet=base.fleet, orders=base.orders,
                   customers=base.customers, zones_per_warehouse=base.zones_per_warehouse, seed=seed)
        return spec.with_changes(**changes)

    def with_changes(self, **changes: Any) -> "CitySpec":
        spec = replace(self, **{k: v for k, v in changes.items() if v is not None})
        spec.check()
        return spec

    def check(self) -> None:
        if not 1 <= self.warehouses <= len(HUBS):
            raise ValueError(f"a city has 1 to {len(HUBS)} warehouses")
        for name, count in self.fleet:
            if name not in VEHICLE_TYPE_NAMES:
                raise ValueError(f"vehicle type is one of {', '.join(VEHICLE_TYPE_NAMES)}, not {name!r}")
            if count < 0:
                raise ValueError("a fleet counts couriers from zero up")
        if self.couriers < self.warehouses:
            raise ValueError("every warehouse needs at least one courier")
        if self.orders < 1 or self.customers < 1 or self.zones_per_warehouse < 1:
            raise ValueError("a city needs orders, customers and zones")
        for start, end in self.shifts:
            if time.fromisoformat(end) <= time.fromisoformat(start):
                raise ValueError(f"shift {start}-{end} must end after it starts")

    @property
    def couriers(self) -> int:
        return sum(count for _, count in self.fleet)

    def local(self, clock_time: str, day: date | None = None) -> datetime:
        """A wall-clock time of the city's day as an aware moment."""
        return datetime.combine(day or self.day, time.fromisoformat(clock_time), tzinfo=TIMEZONE)


def parse_fleet(text: str) -> tuple[tuple[str, int], ...]:
    """`e-bike=20,van=5` as ((e-bike, 20), (van, 5))."""
    fleet: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, count = part.partition("=")
        if not count.strip().isdigit():
            raise ValueError(f"a fleet is written type=count,...; {part!r} is not")
        fleet[name.strip()] = fleet.get(name.strip(), 0) + int(count)
    if not fleet:
        raise ValueError("a fleet needs at least one vehicle type")
    return tuple(fleet.items())


def parse_shifts(text: str) -> tuple[tuple[str, str], ...]:
    """`08:00-17:00,13:00-22:00` as the shift pattern couriers take in turn."""
    shifts = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        start, _, end = part.partition("-")
        time.fromisoformat(start)
        time.fromisoformat(end)
        shifts.append((start, end))
    if not shifts:
        raise ValueError("a shift pattern needs at least one shift")
    return tuple(shifts)


# -- what a built city holds ----------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    code: str
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class ZoneArea:
    code: str
    warehouse: str
    shape: Polygon


@dataclass(frozen=True)
class Resident:
    reference: str
    lat: float
    lon: float
    warehouse: str


@dataclass(frozen=True)
class CourierPost:
    """A courier, the vehicle they ride, the zone they work and the shift they were given."""

    reference: str
    vehicle_type: str
    plate: str
    zone: str
    warehouse: str
    shift_start: datetime
    shift_end: datetime
    shift: str = ""


@dataclass
class City:
    spec: CitySpec
    sites: dict[str, Site]
    zones: dict[str, ZoneArea]
    residents: list[Resident]
    catalogue: list[CatalogueItem]
    couriers: dict[str, CourierPost] = field(default_factory=dict)
    offset: timedelta = timedelta(0)  # a live day runs its clock times this much later (see sim.live)

    def at(self, clock_time: str) -> datetime:
        """A wall-clock time of the city's day as the moment it happens (shifted in a live day)."""
        return self.spec.local(clock_time) + self.offset

    def zone_at(self, lat: float, lon: float) -> str | None:
        point = shapely.Point(lon, lat)
        for zone in self.zones.values():
            if zone.shape.covers(point):
                return zone.code
        return None

    def couriers_of(self, warehouse: str) -> list[CourierPost]:
        return [c for c in self.couriers.values() if c.warehouse == warehouse]


# -- generating ----------------------------------------------------------------------------


def rng_for(seed: int, *parts: object) -> random.Random:
    """A draw of its own for one thing (a customer, a courier, a leg), the same however the day unfolds."""
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def plan_city(spec: CitySpec, offset: timedelta = timedelta(0)) -> City:
    """The city as data, before anything is recorded: where everything is and who works where."""
    sites = {code: Site(code, name, lat, lon) for code, name, lat, lon in HUBS[: spec.warehouses]}
    cells = _service_cells(sites)
    zones: dict[str, ZoneArea] = {}
    taken: Any = None  # what earlier zones cover: cells meet edge to edge, and rounding must not make them overlap
    for code, site in sites.items():
        for n, sector in enumerate(_sectors(cells[code], site, spec.zones_per_warehouse, spec.seed)):
            zone = f"{code.removeprefix('WH-')}-{n + 1}"
            shape = _rounded(sector.difference(taken.buffer(SEAM))) if taken is not None else sector
            zones[zone] = ZoneArea(zone, code, _largest(shape))
            taken = shape if taken is None else taken.union(shape)
    city = City(spec, sites, zones, _residents(spec, sites, cells), generate_catalogue(300, spec.seed), offset=offset)
    city.couriers = plan_posts(spec, city)
    return city


def _service_cells(sites: Mapping[str, Site]) -> dict[str, Polygon]:
    """Each hub's cell: the part of the service area nearer to it than to any other hub.

    Computed on a plane scaled by the city's latitude, so a cell holds exactly the points
    whose nearest hub (in metres) is its own, as the shop's "nearest warehouse" rule sees it.
    """
    lat0 = sum(s.lat for s in sites.values()) / len(sites)
    scale = math.cos(math.radians(lat0))
    west, south, east, north = SERVICE_BOX
    area = box(west * scale, south, east * scale, north)
    if len(sites) == 1:
        (code,) = sites
        return {code: box(*SERVICE_BOX)}
    points = {code: (s.lon * scale, s.lat) for code, s in sites.items()}
    voronoi = shapely.voronoi_polygons(MultiPoint(list(points.values())), extend_to=area)
    cells = {}
    for code, (x, y) in points.items():
        (cell,) = [c for c in voronoi.geoms if c.contains(shapely.Point(x, y))]
        clipped = cell.intersection(area)
        cells[code] = shapely.transform(clipped, lambda xy: xy / np.array([scale, 1.0]))
    return cells


def _sectors(cell: Polygon, site: Site, count: int, seed: int) -> list[Polygon]:
    """A hub's cell cut into `count` wedges around the hub: each zone reaches from the hub outwards."""
    if count == 1:
        return [_rounded(cell)]
    turn = rng_for(seed, "zones", site.code).uniform(0, 2 * math.pi / count)
    reach = 2.0  # degrees: beyond any cell
    wedges = []
    for n in range(count):
        a0 = turn + 2 * math.pi * n / count
        a1 = turn + 2 * math.pi * (n + 1) / count
        arc = [(site.lon + reach * math.cos(a0 + (a1 - a0) * k / 16), site.lat + reach * math.sin(a0 + (a1 - a0) * k / 16))
               for k in range(17)]
        wedge = Polygon([(site.lon, site.lat), *arc])
        wedges.append(_rounded(cell.intersection(wedge)))
    return wedges


def _largest(shape: Any) -> Polygon:
    """A zone is one polygon: slivers a cut leaves along a neighbour's edge are dropped."""
    if shape.geom_type == "Polygon":
        return shape
    return max((g for g in getattr(shape, "geoms", ()) if g.geom_type == "Polygon"), key=lambda g: g.area)


def _rounded(shape: Any) -> Polygon:
    """On the 1e-7 degree grid the zone map records, so the city and the shop agree on every boundary."""
    return shapely.set_precision(shape, 1e-7)


def _residents(spec: CitySpec, sites: Mapping[str, Site], cells: Mapping[str, Polygon]) -> list[Resident]:
    """Customers around each hub, inside its cell (so the nearest warehouse is their zone's)."""
    rng = rng_for(spec.seed, "residents")
    codes = list(sites)
    prepared = {code: shapely.prepared.prep(cells[code]) for code in codes}
    residents = []
    for n in range(spec.customers):
        code = codes[n % len(codes)]
        site = sites[code]
        while True:
            north = rng.gauss(0, CUSTOMER_SPREAD_M)
            east = rng.gauss(0, CUSTOMER_SPREAD_M)
            lat = round(site.lat + north / METRES_PER_DEGREE, 6)
            lon = round(site.lon + east / (METRES_PER_DEGREE * math.cos(math.radians(site.lat))), 6)
            if prepared[code].contains(shapely.Point(lon, lat)) and nearest_site(sites, lat, lon) == code:
                break
        residents.append(Resident(f"C-{n + 1:05d}", lat, lon, code))
    return residents


def nearest_site(sites: Mapping[str, Site], lat: float, lon: float) -> str:
    codes = list(sites)
    metres = haversine_m(lat, lon, np.array([sites[c].lat for c in codes]), np.array([sites[c].lon for c in codes]))
    return codes[int(np.argmin(metres))]


def plan_posts(spec: CitySpec, city: City, prefix: str = "CR", plates: str = "沪B",
               shares: Mapping[str, float] | None = None) -> dict[str, CourierPost]:
    """Couriers dealt to warehouses and their zones in turn, vehicle type by vehicle type, each given the
    next shift of the pattern, so every zone has early and late couriers on every kind of vehicle.

    `prefix` and `plates` start their references and number plates (a crew joining a shop that has
    couriers of its own must not take theirs). With `shares` (each warehouse's part of the demand)
    every vehicle type is dealt in proportion to them, after one per shift to every warehouse while
    the type has enough for that (so no warehouse goes without a kind of vehicle on a shift).
    """
    zones_of = {code: [z.code for z in city.zones.values() if z.warehouse == code] for code in city.sites}
    dealt = dict.fromkeys(city.sites, 0)
    posts: dict[str, CourierPost] = {}
    for vehicle_type, warehouse in _dealing(spec, list(city.sites), shares):
        local = dealt[warehouse]
        dealt[warehouse] += 1
        zones = zones_of[warehouse]
        start, end = spec.shifts[(local // len(zones)) % len(spec.shifts)]
        reference = f"{prefix}-{len(posts) + 1:03d}"
        posts[reference] = CourierPost(
            reference=reference, vehicle_type=vehicle_type, plate=f"{plates}-{len(posts) + 1:05d}",
            zone=zones[local % len(zones)], warehouse=warehouse,
            shift_start=city.at(start), shift_end=city.at(end),
        )
    return posts


def _dealing(spec: CitySpec, codes: list[str], shares: Mapping[str, float] | None) -> Iterator[tuple[str, str]]:
    """(vehicle type, warehouse) for each courier of the fleet, in the fleet's order."""
    if shares is None:  # round the warehouses, the turn running on from one vehicle type to the next
        turn = 0
        for vehicle_type, count in spec.fleet:
            for _ in range(count):
                yield vehicle_type, codes[turn % len(codes)]
                turn += 1
        return
    for vehicle_type, count in spec.fleet:
        quota = _quota(count, codes, shares, len(spec.shifts))
        for round_ in range(max(quota.values(), default=0)):
            for code in codes:
                if quota[code] > round_:
                    yield vehicle_type, code


def _quota(count: int, codes: list[str], shares: Mapping[str, float], shifts: int) -> dict[str, int]:
    """`count` vehicles over the warehouses: a floor for each (one per shift, or one, as far as they go), the rest
    by their shares, largest remainders first."""
    floor = shifts if count >= shifts * len(codes) else 1 if count >= len(codes) else 0
    rest = count - floor * len(codes)
    total = sum(max(shares.get(c, 0.0), 0.0) for c in codes) or 1.0
    exact = {c: rest * max(shares.get(c, 0.0), 0.0) / total for c in codes}
    quota = {c: floor + int(exact[c]) for c in codes}
    by_remainder = sorted(codes, key=lambda c: (-(exact[c] - int(exact[c])), codes.index(c)))
    for code in by_remainder[: count - sum(quota.values())]:
        quota[code] += 1
    return quota


# -- recording it ------------------------------------------------------------------------------


def build_city(app: Peisong, clock: ManualClock | None, spec: CitySpec, offset: timedelta = timedelta(0)) -> City:
    """Set the city up through the application the evening before its day (or now, on a live server's own
    clock): warehouses, zones, catalogue, stock for the day, customers, vehicle types and vehicles, couriers
    hired, trained, zoned and rostered."""
    city = plan_city(spec, offset)
    if clock is not None:
        clock.set(spec.local("18:00", spec.day - timedelta(days=1)))
    for site in city.sites.values():
        app.register_warehouse(site.code, site.name, site.lat, site.lon, opens="07:00", closes="23:30",
                               stock_take_interval_days=30,
                               purchasing_contact=f"purchasing+{site.code.lower()}@shop.example")
    for n, zone in enumerate(city.zones.values()):
        app.define_zone(zone.code, zone.code.replace("-", " ").title(), ZONE_KINDS[n % len(ZONE_KINDS)],
                        mapping(zone.shape))
    for item in city.catalogue:
        app.add_product(item.sku, item.name, item.weight_kg, item.volume_l, item.price, item.category)
    stock_warehouses(app, city)
    for resident in city.residents:
        rng = rng_for(spec.seed, "resident", resident.reference)
        app.register_customer(
            resident.reference, f"Customer {resident.reference[2:]}",
            f"+86 1{rng.randint(30, 89)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
            [{"label": "home", "text": f"{rng.randint(1, 999)} {rng.choice(_STREETS)}, Shanghai",
              "lat": resident.lat, "lon": resident.lon}],
            language="zh-CN" if rng.random() < 0.85 else "en",
            channels=["sms", "wechat"] if rng.random() < 0.6 else ["sms"],
        )
    for name, kg, litres, cruise, top, per_km, per_hour, per_day, skills, rush in VEHICLE_TYPES:
        bands = [{"start": a, "end": b, "kmh": rush} for a, b in RUSH_HOURS] if rush else []
        app.define_vehicle_type(name, kg, litres, cruise, top, per_km, per_hour, per_day, skills=skills,
                                speed_bands=bands)
    hire_couriers(app, city)
    return city


@dataclass(frozen=True)
class Papers:
    """What a courier's application says, by the number in their reference: a second crew in one shop
    (a live day's, beside the demo's couriers) gets names, phones and ID documents of its own."""

    name: str = "Courier {number:03d}"
    phone: str = "+86 137 {number:04d} 0000"
    id_document: str = "31010119900101{number:04d}"


def hire_couriers(app: Peisong, city: City, papers: Papers | None = None) -> None:
    """The city's couriers hired and rostered for its day; one hired on an earlier day is only given the day's shift."""
    for post in list(city.couriers.values()):
        city.couriers[post.reference] = _hire(app, post, city.spec.seed, papers or Papers())


def stock_warehouses(app: Peisong, city: City, reference: str = "opening stock") -> None:
    """Enough of everything for the day at every warehouse: a shop that runs out is another simulation."""
    per_warehouse = city.spec.orders / len(city.sites)
    weights = sku_weights(len(city.catalogue))
    for code in city.sites:
        lines = [(code, item.sku, int(math.ceil(per_warehouse * 6 * w)) + 40)
                 for item, w in zip(city.catalogue, weights)]
        app.receive_stock_batch(lines, reference=f"{reference} {code}")


def sku_weights(count: int) -> np.ndarray:
    """Popularity of the catalogue's SKUs: a Zipf law, as in the order history generator."""
    weights = 1.0 / np.arange(1, count + 1) ** 1.1
    return weights / weights.sum()


def _hire(app: Peisong, post: CourierPost, seed: int, papers: Papers = Papers()) -> CourierPost:
    if app.get_or_none(Courier.create_id(post.reference)) is None:
        rng = rng_for(seed, "courier", post.reference)
        number = int(post.reference.rsplit("-", 1)[-1])
        app.register_vehicle(post.plate, post.vehicle_type)
        app.receive_courier_application(post.reference, papers.name.format(number=number),
                                        papers.phone.format(number=number), papers.id_document.format(number=number),
                                        2 + rng.randint(0, 8), "C1")
        app.screen_courier(post.reference, True, "background check clear", checked_by="hr")
        for course in app.settings.courier_required_courses:
            app.record_courier_training(post.reference, course, "4", 80 + rng.randint(0, 20))
        app.certify_courier(post.reference)
        app.activate_courier(post.reference)
        app.assign_courier_to_zone(post.zone, post.reference)
    # A shift is based at the warehouse (where the shop's waves look for couriers on duty); the zone is the courier's.
    shift = app.plan_shift(post.reference, post.shift_start, post.shift_end, post.warehouse, vehicle=post.plate)["shift"]
    return replace(post, shift=shift)


_STREETS = ("Century Ave", "Nanjing Rd", "Huaihai Rd", "Zhangyang Rd", "Tianmu Rd", "Siping Rd", "Wuning Rd",
            "Hongqiao Rd", "Yan'an Rd", "Zhongshan Rd")
