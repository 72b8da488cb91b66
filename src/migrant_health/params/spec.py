"""One parameter of the YAML tree: its value, unit, allowed range and source."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Scalar = float | int | bool
Value = Scalar | list[float] | dict[int, Scalar | list[float]]


class ParameterSpec(BaseModel):
    """Metadata and default value of one parameter.

    Attributes:
        description: What the parameter means, in the field's words.
        unit: Unit of the value (``"1"`` for dimensionless, ``"probability/year"``, ...).
        value: A scalar, a fixed-length list (an age profile, say), or ``{year: value}`` where
            each value holds from its year until the next key.
        range: Allowed closed interval ``[low, high]`` for every element of the value.
        source: A citation, ``"calibration: ..."`` or ``"assumption: <reasoning>"``.
        calibrate: Optional calibration range inside ``range``; marks the parameter free.
        seed: The section of the seed paper the parameter serves (for example ``"3.2"``).
        switch: Whether the parameter is an on/off switch (values 0 or 1 only).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = Field(min_length=3)
    unit: str
    value: Value
    range: tuple[float, float]
    source: str = Field(min_length=3)
    calibrate: tuple[float, float] | None = None
    seed: str | None = None
    switch: bool = False

    @field_validator("range", "calibrate")
    @classmethod
    def _ordered(cls, bounds: tuple[float, float] | None) -> tuple[float, float] | None:
        if bounds is not None and bounds[0] > bounds[1]:
            raise ValueError(f"lower bound {bounds[0]} exceeds upper bound {bounds[1]}")
        return bounds

    @model_validator(mode="after")
    def _within_range(self) -> ParameterSpec:
        shapes = {
            _shape(v)
            for v in (self.value.values() if isinstance(self.value, dict) else [self.value])
        }
        if len(shapes) != 1:
            raise ValueError(
                "every year's value must have the same shape (all numbers, or lists of one length)"
            )
        if 0 in shapes:
            raise ValueError("a list value must not be empty")
        if self.switch and any(e not in (0.0, 1.0) for e in flatten_value(self.value)):
            raise ValueError("a switch takes the values 0 or 1 (false or true)")
        for element in flatten_value(self.value):
            if not self.range[0] <= element <= self.range[1]:
                raise ValueError(f"default value {element} lies outside range {list(self.range)}")
        if self.calibrate is not None and not (
            self.range[0] <= self.calibrate[0] and self.calibrate[1] <= self.range[1]
        ):
            raise ValueError(f"calibration range {list(self.calibrate)} leaves {list(self.range)}")
        src = self.source.lower()
        if not (src.startswith("assumption") or src.startswith("calibrat") or len(src) > 8):
            raise ValueError("source must be a citation, 'calibration: ...' or 'assumption: ...'")
        return self

    @property
    def is_assumption(self) -> bool:
        """Whether the value is a documented assumption rather than a sourced figure."""
        return self.source.lower().startswith("assumption")

    @property
    def length(self) -> int | None:
        """Length of a vector parameter, ``None`` for a scalar."""
        base = self.value
        if isinstance(base, dict):
            base = next(iter(base.values()))
        return len(base) if isinstance(base, list) else None


def _shape(value: Any) -> int | None:
    """Length of a list value, ``None`` for a number."""
    return len(value) if isinstance(value, list) else None


def flatten_value(value: Any) -> list[float]:
    """Every number inside a parameter value (scalar, list or ``{year: value}``)."""
    if isinstance(value, dict):
        return [x for v in value.values() for x in flatten_value(v)]
    if isinstance(value, list):
        return [float(x) for x in value]
    return [float(value)]
