"""The demo shop as a simulated city, so a live day can run on it: its warehouses, zones, customers and catalogue
as they stand in the store, with a crew of couriers of its own hired for the day.

A second generated city would clash with the demo (the same warehouse codes, zones
overlapping the demo's), so the live day adopts the demo instead: it reads the zones and the
customers' home addresses from the application, takes the demo's own SKUs, tops the stock up
for the day and hires `LIVE-001`.. on plates of their own, beside the demo's `COURIER-xx`, whose
records and orders it leaves alone. Its orders are numbered `SIM-MMDD-nnnnn` (`sim.inputs`),
apart from the demo's `DEMO-nnnn`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shapely.geometry import shape

from domain.catalogue import Product
from domain.clock import ManualClock
from domain.customers import Customer
from domain.orders import Order
from domain.warehouses import Warehouse
from domain.zones import Zone
from sim.catalogue import generate_catalogue
from sim.city import (City, CitySpec, Papers, Resident, Site, ZoneArea, hire_couriers, nearest_site, plan_posts,
                      stock_warehouses)
from sim.demo import WAREHOUSES, ZONES, DemoSize
from sim.inputs import order_number

# Dealt to the warehouses by how many of the demo's customers each serves, after a floor for each (one of a
# kind per shift where there are enough): the demo's e-bikes carry no cold chain, so frozen orders ride only in
# refrigerated vans. Two couriers in three take the late shift: the evening sells most.
LIVE_FLEET = (("e-bike", 24), ("tricycle", 4), ("van", 4), ("refrigerated van", 12))
LIVE_SHIFTS = (("08:00", "17:00"), ("14:00", "23:00"), ("14:00", "23:00"))
LIVE_ORDERS = 400  # a small city's day: a new order every minute or two at the peaks
LIVE_PREFIX, LIVE_PLATES = "LIVE", "沪D"  # the demo's couriers are COURIER-xx on 沪A plates
LIVE_PAPERS = Papers(name="Live courier {number:03d}", phone="+86 138 {number:04d} 0000",
                     id_document="31010119900201{number:04d}")
STOCK_REFERENCE = "live day stock"


class NoDemoShop(ValueError):
    """The store holds no demo shop a live day can run on (its warehouses are missing, or today's day ran already)."""


def demo_live_spec(seed: int, day: date, size: DemoSize = DemoSize(), **changes: Any) -> CitySpec:
    """The live day's spec over the demo: its four warehouses of one zone each, its customers, a crew of its own."""
    return CitySpec.of_size(
        "small", seed=seed, day=day, warehouses=len(WAREHOUSES), fleet=LIVE_FLEET, orders=LIVE_ORDERS,
        customers=size.customers, zones_per_warehouse=1, shifts=LIVE_SHIFTS,
    ).with_changes(**changes)


def plan_demo_city(app: Any, spec: CitySpec, offset: timedelta = timedelta(0), seed: int = 2026,
                   size: DemoSize = DemoSize()) -> City:
    """The demo as a city, read from the store: nothing is recorded."""
    for code, *_ in WAREHOUSES:
        if app.get_or_none(Warehouse.create_id(code)) is None:
            raise NoDemoShop(f"this store holds no demo shop (no warehouse {code}) for a live day to run on")
    if app.get_or_none(Order.create_id(order_number(spec, 1))) is not None:
        raise NoDemoShop(f"this store has had its live day of {spec.day} already: its order numbers are taken")
    sites = {code: Site(code, name, lat, lon) for code, name, lat, lon in WAREHOUSES}
    zones = {}
    for code, _, _, warehouse in ZONES:
        zone = app.get_or_none(Zone.create_id(code))
        if zone is not None and not zone.retired:
            zones[code] = ZoneArea(code, warehouse, shape(zone.boundary))
    if {z.warehouse for z in zones.values()} != set(sites):
        raise NoDemoShop("the demo's zones are not all there: a live day needs one zone per warehouse")
    residents = []
    for n in range(1, size.customers + 1):
        customer = app.get_or_none(Customer.create_id(f"CUST-{n:04d}"))
        if customer is None or not customer.addresses:
            continue
        home = customer.addresses[0]
        lat, lon = float(home["lat"]), float(home["lon"])  # type: ignore[arg-type]
        residents.append(Resident(customer.reference, lat, lon, nearest_site(sites, lat, lon)))
    catalogue = generate_catalogue(size.products, seed)
    if any(app.get_or_none(Product.create_id(item.sku)) is None for item in (catalogue[0], catalogue[-1])):
        raise NoDemoShop(f"the store's catalogue is not the demo's of {size.products} products (seed {seed})")
    city = City(spec, sites, zones, residents, catalogue, offset=offset)
    # Customers inside the zone of the warehouse nearest to them, which is the one their orders ship from: the
    # demo's zones are cut on the map's degrees, the shop's "nearest" is in metres, and they differ at the edges.
    city.residents = [r for r in residents if (zone := city.zone_at(r.lat, r.lon)) and zones[zone].warehouse == r.warehouse]
    if not city.residents:
        raise NoDemoShop("no demo customer lives inside the zone of their nearest warehouse")
    city.spec = spec.with_changes(warehouses=len(sites), zones_per_warehouse=1, customers=len(city.residents))
    shares = {code: sum(1 for r in city.residents if r.warehouse == code) for code in sites}
    city.couriers = plan_posts(city.spec, city, prefix=LIVE_PREFIX, plates=LIVE_PLATES, shares=shares)
    return city


def adopt_demo_city(app: Any, clock: ManualClock | None, spec: CitySpec, offset: timedelta = timedelta(0), *,
                    seed: int = 2026, size: DemoSize = DemoSize()) -> City:
    """The demo as the live day's city, recording only what the day adds: stock for the day at every warehouse
    and the crew (hired, trained, zoned and rostered; a crew member from an earlier live day only gets a shift).
    Recorded at the clock's time as it stands, after the demo's history (the clock is not moved)."""
    city = plan_demo_city(app, spec, offset, seed, size)
    stock_warehouses(app, city, STOCK_REFERENCE)
    hire_couriers(app, city, LIVE_PAPERS)
    return city
