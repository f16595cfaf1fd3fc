"""The devices the shop resells (real products; prices excl. VAT, EUR) and their stock."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class VariantSeed:
    colour: str
    storage_gb: int
    price: Decimal
    stock: int


@dataclass(frozen=True)
class DeviceSeed:
    code: str
    brand: str
    model: str
    rugged: bool
    variants: tuple[VariantSeed, ...]


def _v(colour: str, storage_gb: int, price: str, stock: int) -> VariantSeed:
    return VariantSeed(colour, storage_gb, Decimal(price), stock)


DEVICES = (
    DeviceSeed(
        "iphone-16",
        "Apple",
        "iPhone 16",
        False,
        (
            _v("Black", 128, "799.00", 12),
            _v("White", 128, "799.00", 0),
            _v("Ultramarine", 128, "799.00", 4),
            _v("Black", 256, "919.00", 6),
            _v("Pink", 256, "919.00", 0),
        ),
    ),
    DeviceSeed(
        "iphone-16-pro",
        "Apple",
        "iPhone 16 Pro",
        False,
        (
            _v("Black Titanium", 256, "1099.00", 5),
            _v("Natural Titanium", 256, "1099.00", 0),
            _v("Desert Titanium", 512, "1349.00", 2),
        ),
    ),
    DeviceSeed(
        "iphone-16e",
        "Apple",
        "iPhone 16e",
        False,
        (_v("Black", 128, "579.00", 9), _v("White", 256, "699.00", 3)),
    ),
    DeviceSeed(
        "galaxy-s25",
        "Samsung",
        "Galaxy S25",
        False,
        (
            _v("Navy", 128, "749.00", 10),
            _v("Icyblue", 256, "809.00", 0),
            _v("Silver Shadow", 256, "809.00", 7),
        ),
    ),
    DeviceSeed(
        "galaxy-s25-ultra",
        "Samsung",
        "Galaxy S25 Ultra",
        False,
        (_v("Titanium Black", 256, "1179.00", 0), _v("Titanium Silverblue", 512, "1299.00", 0)),
    ),
    DeviceSeed(
        "galaxy-a56",
        "Samsung",
        "Galaxy A56 5G",
        False,
        (_v("Awesome Graphite", 128, "379.00", 20), _v("Awesome Olive", 256, "429.00", 8)),
    ),
    DeviceSeed(
        "galaxy-a26",
        "Samsung",
        "Galaxy A26 5G",
        False,
        (_v("Black", 128, "249.00", 25), _v("White", 128, "249.00", 0)),
    ),
    DeviceSeed(
        "galaxy-xcover7-pro",
        "Samsung",
        "Galaxy XCover7 Pro",
        True,
        (_v("Black", 128, "539.00", 6),),
    ),
    DeviceSeed(
        "crosscall-core-z5",
        "Crosscall",
        "Core-Z5",
        True,
        (_v("Black", 128, "499.00", 4),),
    ),
    DeviceSeed(
        "pixel-9",
        "Google",
        "Pixel 9",
        False,
        (_v("Obsidian", 128, "739.00", 5), _v("Porcelain", 256, "839.00", 2)),
    ),
    DeviceSeed(
        "fairphone-5",
        "Fairphone",
        "Fairphone 5",
        False,
        (_v("Matte Black", 256, "569.00", 7), _v("Sky Blue", 256, "569.00", 0)),
    ),
    DeviceSeed(
        "nokia-3210",
        "Nokia",
        "3210 4G",
        False,
        (_v("Grunge Black", 0, "69.00", 15), _v("Y2K Gold", 0, "69.00", 3)),
    ),
)
