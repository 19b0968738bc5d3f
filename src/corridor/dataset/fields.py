"""Field types and checks that every record of a corridor dataset shares (lists in cells, blanks, ids, dates)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from corridor.dataset.vocab import COUNTRIES

__all__ = [
    "LOCODE",
    "Distribution",
    "FiniteFloat",
    "Flag",
    "FloatList",
    "Id",
    "OptFiniteFloat",
    "OptFloat",
    "OptStr",
    "Record",
    "StrList",
    "blank_to_none",
    "check_country",
    "check_date",
    "check_distribution",
    "check_range",
    "check_subset",
    "is_blank",
]

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
#: A UN/LOCODE: country code and three letters or digits 2-9.
LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"{value!r} is not an id (lower-case letters, digits, '_', '-', '.')")
    return value


def _split(value: object) -> object:
    """CSV cells hold lists as ``a;b;c``; an empty cell is an empty list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def blank_to_none(value: object) -> object:
    """None for a blank cell, anything else unchanged (an optional column left empty)."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def is_blank(value: object) -> bool:
    """True for a missing or blank cell."""
    return value is None or (isinstance(value, str) and not value.strip())


def _bool(value: object) -> object:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("", "no", "false", "0", "n"):
            return False
        if text in ("yes", "true", "1", "y"):
            return True
    return value


StrList = Annotated[list[str], BeforeValidator(_split)]
FloatList = Annotated[list[Annotated[float, Field(allow_inf_nan=False)]], BeforeValidator(_split)]
Distribution = Annotated[
    Literal["triangular", "lognormal", "uniform", "empirical"], BeforeValidator(lambda v: v or "triangular")
]
Id = Annotated[str, AfterValidator(_check_id)]
OptFloat = Annotated[float | None, BeforeValidator(blank_to_none)]
#: A number read from a file that must be finite (NaN and infinity are rejected as such, not as "out of range").
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
OptFiniteFloat = Annotated[float | None, BeforeValidator(blank_to_none), Field(allow_inf_nan=False)]
OptStr = Annotated[str | None, BeforeValidator(blank_to_none)]
Flag = Annotated[bool, BeforeValidator(_bool)]


def check_date(value: str) -> str:
    """``value`` if it is a date that exists (YYYY, YYYY-MM or YYYY-MM-DD), else ValueError."""
    if not _DATE.match(value):
        raise ValueError(f"{value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = (int(p) for p in (value + "-01-01").split("-")[:3])
    try:
        date(year, month, day)
    except ValueError as error:
        raise ValueError(f"{value!r} is not a date that exists ({error})") from None
    return value


class Record(BaseModel):
    """Every record names its sources and the date its values refer to; estimates say so."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    source: StrList = Field(min_length=1)
    as_of: str
    estimated: Flag = False
    note: OptStr = None

    @field_validator("as_of")
    @classmethod
    def _date(cls, value: str) -> str:
        return check_date(value)


def check_country(value: str) -> str:
    """``value`` if it is an ISO 3166-1 alpha-2 code, else ValueError."""
    if value not in COUNTRIES:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. KZ, AZ, GE)")
    return value


def check_subset(values: list[str], allowed: tuple[str, ...] | frozenset[str], what: str) -> list[str]:
    """``values`` if each is in ``allowed``, else ValueError naming the others and the valid ones."""
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValueError(f"unknown {what} {', '.join(map(repr, bad))}; valid: {', '.join(sorted(allowed))}")
    return values


def check_range(record: BaseModel, column: str, low_column: str, high_column: str) -> None:
    """ValueError unless ``low_column <= column <= high_column`` (a blank bound is no bound)."""
    low, typical, high = (getattr(record, c) for c in (low_column, column, high_column))
    if (low is not None and low > typical) or (high is not None and high < typical):
        raise ValueError(f"{column}: need {low_column} <= {column} <= {high_column}, got {low}, {typical}, {high}")


def check_distribution(distribution: str, low: float, typical: float, high: float, samples: list[float]) -> None:
    """The parameters a distribution needs (``ValueError`` naming the column otherwise)."""
    if distribution == "empirical":
        if not samples:
            raise ValueError("hours_samples: an empirical distribution needs the observed values (e.g. 12;30;41)")
        if min(samples) < 0:
            raise ValueError(f"hours_samples: durations cannot be negative, got {min(samples):g}")
    elif samples:
        raise ValueError(f"hours_samples: only an empirical distribution uses samples, this one is {distribution}")
    if distribution == "lognormal" and not low < typical < high:
        raise ValueError(
            f"distribution: a lognormal needs low < typical < high (typical is the median, high the 95th "
            f"percentile), got {low:g}, {typical:g}, {high:g}"
        )
