"""The shop's reference data as the frontends list it: products, warehouses and customers."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from sqlalchemy import Boolean, Column, Connection, Float, Integer, String, Table, func, select
from sqlalchemy.engine import RowMapping

from domain.catalogue import Product
from domain.customers import Customer
from domain.warehouses import Warehouse
from projections.columns import JsonList, Money
from projections.database import ReadDatabase, metadata
from projections.decoding import Change
from projections.pagination import after_key, check_first, decode_cursor, make_page
from projections.projector import Projector
from projections.rows import RowBatch
from projections.views import CustomerView, Page, ProductView, WarehouseView

products = Table(
    "products",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("weight_kg", Money, nullable=False),
    Column("volume_l", Money, nullable=False),
    Column("price", Money, nullable=False),
    Column("category", String(60), nullable=False, index=True),
    Column("discontinued", Boolean, nullable=False),
)

warehouses = Table(
    "warehouses",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("opens", String(5), nullable=False),
    Column("closes", String(5), nullable=False),
    Column("stock_take_interval_days", Integer, nullable=False),
    Column("purchasing_contact", String(200), nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("reference", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("language", String(8), nullable=False),
    Column("channels", JsonList, nullable=False),
    Column("opted_out", JsonList, nullable=False),
    Column("addresses", JsonList, nullable=False),
)

PRODUCT_ADDED: type = Product.ProductAdded  # type: ignore[attr-defined]
WAREHOUSE_REGISTERED: type = Warehouse.WarehouseRegistered  # type: ignore[attr-defined]
CUSTOMER_REGISTERED: type = Customer.CustomerRegistered  # type: ignore[attr-defined]


def _product_updated(row: dict[str, Any], e: Any) -> None:
    row.update(name=e.name, weight_kg=e.weight_kg, volume_l=e.volume_l, price=e.price, category=e.category)


def _product_discontinued(row: dict[str, Any], e: Any) -> None:
    row["discontinued"] = True


def _hours_changed(row: dict[str, Any], e: Any) -> None:
    row.update(opens=e.opens, closes=e.closes)


def _schedule_set(row: dict[str, Any], e: Any) -> None:
    row["stock_take_interval_days"] = e.stock_take_interval_days


def _address_added(row: dict[str, Any], e: Any) -> None:
    row["addresses"] = [*row["addresses"], dict(e.address)]


def _contact_changed(row: dict[str, Any], e: Any) -> None:
    row.update(phone=e.phone, language=e.language, channels=list(e.channels))


def _opted_out(row: dict[str, Any], e: Any) -> None:
    if e.channel not in row["opted_out"]:
        row["opted_out"] = [*row["opted_out"], e.channel]


def _opted_in(row: dict[str, Any], e: Any) -> None:
    row["opted_out"] = [channel for channel in row["opted_out"] if channel != e.channel]


# Later events of each aggregate: the table they change and how.
CHANGES: dict[type, tuple[Table, Callable[[dict[str, Any], Any], None]]] = {
    Product.ProductUpdated: (products, _product_updated),  # type: ignore[attr-defined]
    Product.ProductDiscontinued: (products, _product_discontinued),  # type: ignore[attr-defined]
    Warehouse.OpeningHoursChanged: (warehouses, _hours_changed),  # type: ignore[attr-defined]
    Warehouse.StockTakeScheduleSet: (warehouses, _schedule_set),  # type: ignore[attr-defined]
    Customer.CustomerAddressAdded: (customers, _address_added),  # type: ignore[attr-defined]
    Customer.CustomerContactChanged: (customers, _contact_changed),  # type: ignore[attr-defined]
    Customer.CustomerOptedOut: (customers, _opted_out),  # type: ignore[attr-defined]
    Customer.CustomerOptedIn: (customers, _opted_in),  # type: ignore[attr-defined]
}


def created_row(event: Any) -> tuple[Table, dict[str, Any]]:
    key = str(event.originator_id)
    if isinstance(event, PRODUCT_ADDED):
        return products, {
            "id": key, "sku": event.sku, "name": event.name, "weight_kg": event.weight_kg,
            "volume_l": event.volume_l, "price": event.price, "category": event.category, "discontinued": False,
        }
    if isinstance(event, WAREHOUSE_REGISTERED):
        return warehouses, {
            "id": key, "code": event.code, "name": event.name, "lat": float(event.lat), "lon": float(event.lon),
            "opens": event.opens, "closes": event.closes,
            "stock_take_interval_days": event.stock_take_interval_days,
            "purchasing_contact": event.purchasing_contact,
        }
    return customers, {
        "id": key, "reference": event.reference, "name": event.name, "phone": event.phone,
        "language": event.language, "channels": list(event.channels), "opted_out": [],
        "addresses": [dict(address) for address in event.addresses],
    }


class CatalogueProjector(Projector):
    name = "catalogue"
    tables = (products, warehouses, customers)

    @property
    def follows(self) -> frozenset[type]:
        return frozenset({PRODUCT_ADDED, WAREHOUSE_REGISTERED, CUSTOMER_REGISTERED, *CHANGES})

    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        batches = {table: RowBatch(table, "id") for table in self.tables}
        for table, batch in batches.items():
            batch.load(conn, (str(c.event.originator_id) for c in changes if CHANGES.get(c.kind, (None,))[0] is table))
        for position, event in changes:
            step = CHANGES.get(type(event))
            if step is None:
                table, row = created_row(event)
                batches[table].add(row)
                continue
            table, change = step
            row = batches[table].change(str(event.originator_id))
            if row is None:
                raise LookupError(f"{table.name} row {event.originator_id} changed at position {position} but never created")
            change(row, event)
        for batch in batches.values():
            batch.flush(conn)


# -- queries: the only way the API reads the catalogue -------------------------------------


def get_product(db: ReadDatabase, sku: str) -> ProductView | None:
    with db.read() as conn:
        row = conn.execute(select(products).where(products.c.sku == sku)).mappings().first()
    return None if row is None else product_view(row)


def list_products(
    db: ReadDatabase, *, category: str | None = None, after: str | None = None, first: int = 50
) -> Page[ProductView]:
    """Products by SKU, discontinued ones included (old orders still name them)."""
    check_first(first)
    criteria = [] if category is None else [products.c.category == category]
    page_criteria = list(criteria)
    if after is not None:
        page_criteria.append(after_key((products.c.sku,), decode_cursor(after, str)))
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(products).where(*criteria)).scalar_one()
        rows = conn.execute(
            select(products).where(*page_criteria).order_by(products.c.sku).limit(first + 1)
        ).mappings().all()
    return make_page(rows, first, total, view=product_view, key=lambda row: (row["sku"],))


def list_warehouses(db: ReadDatabase) -> list[WarehouseView]:
    with db.read() as conn:
        rows = conn.execute(select(warehouses).order_by(warehouses.c.code)).mappings().all()
    return [
        WarehouseView(
            code=row["code"], name=row["name"], lat=row["lat"], lon=row["lon"], opens=row["opens"],
            closes=row["closes"], stock_take_interval_days=row["stock_take_interval_days"],
            purchasing_contact=row["purchasing_contact"],
        )
        for row in rows
    ]


def get_customer(db: ReadDatabase, reference: str) -> CustomerView | None:
    with db.read() as conn:
        row = conn.execute(select(customers).where(customers.c.reference == reference)).mappings().first()
    return None if row is None else customer_view(row)


def list_customers(db: ReadDatabase, *, after: str | None = None, first: int = 50) -> Page[CustomerView]:
    check_first(first)
    criteria = [] if after is None else [after_key((customers.c.reference,), decode_cursor(after, str))]
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(customers)).scalar_one()
        rows = conn.execute(
            select(customers).where(*criteria).order_by(customers.c.reference).limit(first + 1)
        ).mappings().all()
    return make_page(rows, first, total, view=customer_view, key=lambda row: (row["reference"],))


def product_view(row: RowMapping) -> ProductView:
    return ProductView(
        sku=row["sku"], name=row["name"], weight_kg=row["weight_kg"], volume_l=row["volume_l"],
        price=row["price"], category=row["category"], discontinued=row["discontinued"],
    )


def customer_view(row: RowMapping) -> CustomerView:
    return CustomerView(
        reference=row["reference"], name=row["name"], phone=row["phone"], language=row["language"],
        channels=list(row["channels"]), opted_out=list(row["opted_out"]), addresses=list(row["addresses"]),
    )
