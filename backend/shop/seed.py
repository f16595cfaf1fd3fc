"""Insert the shop catalogue (idempotent: looked up by device code and variant)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.shop.catalog import DEVICES
from backend.shop.models import Device, DeviceVariant


def seed_shop(session: Session) -> None:
    for seed in DEVICES:
        device = session.scalar(select(Device).where(Device.code == seed.code))
        if device is None:
            device = Device(code=seed.code, brand=seed.brand, model=seed.model, rugged=seed.rugged)
            session.add(device)
            session.flush()
        for variant in seed.variants:
            exists = session.scalar(
                select(DeviceVariant.id).where(
                    DeviceVariant.device_id == device.id,
                    DeviceVariant.colour == variant.colour,
                    DeviceVariant.storage_gb == variant.storage_gb,
                )
            )
            if exists is None:
                session.add(
                    DeviceVariant(
                        device_id=device.id,
                        colour=variant.colour,
                        storage_gb=variant.storage_gb,
                        price_excl_vat=variant.price,
                        stock=variant.stock,
                    )
                )
    session.flush()
