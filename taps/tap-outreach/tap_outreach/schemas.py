"""Reusable schema fragments for flattened JSON:API records."""

from __future__ import annotations

from singer_sdk import typing as th

ID = th.Property("id", th.IntegerType, required=True, description="The resource id.")
CREATED_AT = th.Property("createdAt", th.DateTimeType)
UPDATED_AT = th.Property("updatedAt", th.DateTimeType)
TAGS = th.Property("tags", th.ArrayType(th.StringType))


def string(*names: str) -> list[th.Property]:
    return [th.Property(name, th.StringType) for name in names]


def integer(*names: str) -> list[th.Property]:
    return [th.Property(name, th.IntegerType) for name in names]


def number(*names: str) -> list[th.Property]:
    return [th.Property(name, th.NumberType) for name in names]


def boolean(*names: str) -> list[th.Property]:
    return [th.Property(name, th.BooleanType) for name in names]


def datetime(*names: str) -> list[th.Property]:
    return [th.Property(name, th.DateTimeType) for name in names]


def custom_fields(count: int) -> list[th.Property]:
    """`custom1..customN`: free-text custom fields (accounts, prospects, opportunities)."""
    return [th.Property(f"custom{k}", th.StringType) for k in range(1, count + 1)]


def resource(
    *attributes: th.Property | list[th.Property],
    to_one: tuple[str, ...] = (),
    to_many: tuple[str, ...] = (),
    timestamps: bool = True,
) -> dict:
    """Schema of a flattened resource: `id`, attributes, `<rel>_id` and `<rel>_ids`."""
    properties: list[th.Property] = [ID]
    if timestamps:
        properties += [CREATED_AT, UPDATED_AT]
    for item in attributes:
        properties += item if isinstance(item, list) else [item]
    properties += [
        th.Property(f"{name}_id", th.IntegerType, description=f"Id of the related {name}.") for name in to_one
    ]
    properties += [
        th.Property(f"{name}_ids", th.ArrayType(th.IntegerType), description=f"Ids of the related {name}.")
        for name in to_many
    ]
    return th.PropertiesList(*properties).to_dict()
