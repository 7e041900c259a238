"""A realistic catalogue for a mini-program grocery and home shop, generated from a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

# category: (SKU prefix, [(name, weight kg, volume L, price yuan)], size variants)
CATEGORIES: dict[str, tuple[str, list[tuple[str, float, float, float]]]] = {
    "grocery": ("GRO", [
        ("Northeast rice", 5.0, 6.5, 39.9), ("Jasmine rice", 2.5, 3.2, 26.8), ("Wheat flour", 2.5, 3.0, 18.5),
        ("Peanut oil", 1.8, 2.0, 45.0), ("Soy sauce", 0.5, 0.5, 12.9), ("Black vinegar", 0.5, 0.5, 9.9),
        ("Dried noodles", 1.0, 1.5, 15.8), ("Red beans", 0.5, 0.6, 11.5), ("Rock sugar", 0.4, 0.4, 8.8),
    ]),
    "fresh": ("FRE", [
        ("Whole milk 1 L", 1.05, 1.0, 12.5), ("Free-range eggs x10", 0.6, 1.2, 19.9), ("Tofu", 0.4, 0.5, 4.5),
        ("Pork belly 500 g", 0.5, 0.6, 29.8), ("Chicken thighs 1 kg", 1.0, 1.2, 32.0), ("Bok choy 500 g", 0.5, 1.5, 6.8),
        ("Tomatoes 1 kg", 1.0, 1.8, 11.9), ("Apples 2 kg", 2.0, 3.0, 25.8), ("Yoghurt x4", 0.5, 0.6, 16.9),
    ]),
    "frozen": ("FRZ", [
        ("Pork dumplings", 1.0, 1.6, 28.0), ("Tangyuan", 0.5, 0.8, 16.5), ("Frozen shrimp", 0.5, 0.7, 59.0),
        ("Ice cream tub", 0.9, 1.2, 35.0), ("Steamed buns x12", 0.9, 2.0, 19.8),
    ]),
    "drinks": ("DRK", [
        ("Green tea 250 g", 0.3, 0.8, 88.0), ("Oolong tea 200 g", 0.25, 0.7, 128.0), ("Mineral water 12x550 ml", 6.8, 8.0, 24.0),
        ("Soy milk 1 L", 1.05, 1.0, 9.9), ("Orange juice 1 L", 1.05, 1.0, 18.0), ("Coffee beans 500 g", 0.5, 1.1, 98.0),
    ]),
    "household": ("HOM", [
        ("Laundry liquid 3 kg", 3.1, 3.2, 49.9), ("Tissues x10", 1.2, 9.0, 29.9), ("Dish soap", 1.1, 1.1, 14.9),
        ("Trash bags x100", 0.8, 1.5, 19.9), ("Frying pan 28 cm", 1.6, 9.0, 159.0), ("Rice cooker", 3.2, 18.0, 399.0),
        ("Storage box", 0.9, 24.0, 45.0), ("Mop", 1.0, 12.0, 69.0),
    ]),
    "baby": ("BAB", [
        ("Infant formula 800 g", 1.0, 2.0, 268.0), ("Diapers x60", 2.2, 14.0, 139.0), ("Baby wipes x80", 0.6, 1.2, 19.9),
        ("Rice cereal", 0.25, 0.8, 39.0),
    ]),
    "beauty": ("BEA", [
        ("Face cream", 0.15, 0.2, 129.0), ("Shampoo 750 ml", 0.8, 0.8, 59.9), ("Toothpaste x3", 0.45, 0.6, 29.9),
        ("Sunscreen", 0.1, 0.15, 89.0), ("Body wash 1 L", 1.05, 1.1, 45.0),
    ]),
    "electronics": ("ELE", [
        ("Phone charger", 0.15, 0.3, 59.0), ("Power bank", 0.35, 0.4, 129.0), ("Bluetooth earbuds", 0.1, 0.3, 199.0),
        ("Desk lamp", 1.2, 6.0, 149.0), ("Electric kettle", 1.1, 4.0, 119.0),
    ]),
    "snacks": ("SNK", [
        ("Sunflower seeds", 0.5, 1.0, 15.9), ("Mooncakes x6", 0.6, 1.5, 88.0), ("Dried mango", 0.3, 0.6, 22.8),
        ("Rice crackers", 0.4, 2.5, 12.9), ("Spicy strips", 0.3, 0.8, 9.9), ("Mixed nuts", 0.75, 1.4, 69.0),
    ]),
}

VARIANTS = ("", " (value pack)", " (family size)", " (organic)", " (imported)")


@dataclass(frozen=True)
class CatalogueItem:
    sku: str
    name: str
    weight_kg: Decimal
    volume_l: Decimal
    price: Decimal
    category: str


def generate_catalogue(size: int = 300, seed: int = 7) -> list[CatalogueItem]:
    """`size` SKUs spread over the categories: base products and their pack variants."""
    rng = random.Random(seed)
    bases = [(category, prefix, item) for category, (prefix, items) in CATEGORIES.items() for item in items]
    catalogue: list[CatalogueItem] = []
    counters: dict[str, int] = {}
    round_no = 0
    while len(catalogue) < size:
        variant = VARIANTS[round_no % len(VARIANTS)]
        scale = 1.0 if round_no == 0 else rng.choice((0.5, 1.5, 2.0, 3.0)) if "pack" in variant or "family" in variant else 1.0
        premium = "organic" in variant or "imported" in variant
        price_factor = 1.0 if round_no == 0 else scale * (1.3 if premium else 0.92)
        for category, prefix, (name, weight, volume, price) in bases:
            if len(catalogue) >= size:
                break
            counters[prefix] = counters.get(prefix, 0) + 1
            catalogue.append(CatalogueItem(
                sku=f"{prefix}-{counters[prefix]:03d}",
                name=f"{name}{variant}" if round_no < len(VARIANTS) else f"{name}{variant}, batch {round_no // len(VARIANTS) + 1}",
                weight_kg=Decimal(str(round(weight * scale, 3))),
                volume_l=Decimal(str(round(volume * scale, 3))),
                price=Decimal(str(round(price * price_factor, 1))).quantize(Decimal("0.01")),
                category=category,
            ))
        round_no += 1
    return catalogue
