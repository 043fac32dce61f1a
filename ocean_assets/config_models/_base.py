"""Shared pieces of the config models: the strict base class and the range-carrying types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Section(BaseModel):
    """A config mapping: unknown keys are refused, numbers may be written where text is expected."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, frozen=True)


def describe(text: str, **constraints: float) -> object:
    """A field's meaning (shown in docs/configuration.md) with its allowed range."""
    return Field(description=text, **constraints)  # type: ignore[call-overload]  # ranges passed through


Fraction = Annotated[float, Field(ge=0, le=1)]
Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
PositiveInt = Annotated[int, Field(ge=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
Attempts = Annotated[int, Field(ge=1)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Latitude = Annotated[float, Field(ge=-90, le=90)]


class Region(Section):
    """A longitude/latitude box (its field says what it bounds)."""

    min_lon: Longitude = Field(description="west edge (degrees east)")
    max_lon: Longitude = Field(description="east edge (degrees east)")
    min_lat: Latitude = Field(description="south edge (degrees north)")
    max_lat: Latitude = Field(description="north edge (degrees north)")
