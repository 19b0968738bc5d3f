"""Record types of the trade tables that drive demand (regions, trade, GDP, unit weights, shares) and their checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from corridor.dataset.fields import (
    FiniteFloat,
    Id,
    OptFiniteFloat,
    Record,
    StrList,
    blank_to_none,
    check_range,
    check_subset,
)
from corridor.dataset.vocab import COUNTRIES
from corridor.errors import Problem

__all__ = [
    "TRADE_TABLES",
    "Gdp",
    "GdpGrowth",
    "TonnesPerUsd",
    "Trade",
    "TradeMix",
    "TradeRegion",
    "TradeShare",
    "check_trade_tables",
]

Commodity = Literal["container", "dry_bulk", "liquid_bulk"]
Year = Annotated[int, Field(ge=1900, le=2100)]


class TradeRegion(Record):
    """A region of the trade model (a country, or a group such as the EU) and the point its distances start from."""

    id: Id
    name: str = Field(min_length=1)
    countries: StrList = Field(min_length=1)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        return check_subset(value, COUNTRIES, "country code")


class Trade(Record):
    """Published value of the goods one region exported to another in one year (USD million)."""

    id: Id
    exporter: str
    importer: str
    year: Year
    value_musd: FiniteFloat = Field(ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> Trade:
        if self.exporter == self.importer:
            raise ValueError(f"importer: the same region as the exporter ({self.exporter!r})")
        return self


class TradeMix(Record):
    """The share of one trade flow's value in one commodity group (container, dry or liquid bulk)."""

    id: Id
    exporter: str
    importer: str
    commodity: Commodity
    share: FiniteFloat = Field(ge=0, le=1)


class Gdp(Record):
    """GDP of a region in one year (USD billion, current prices)."""

    id: Id
    region: str
    year: Year
    gdp_busd: FiniteFloat = Field(gt=0)


class GdpGrowth(Record):
    """Assumed real GDP growth of a region, % a year, over ``first_year``..``last_year``: low, central and high."""

    id: Id
    region: str
    first_year: Year
    last_year: Year
    growth_low_pct: FiniteFloat = Field(gt=-50, lt=50)
    growth_pct: FiniteFloat = Field(gt=-50, lt=50)
    growth_high_pct: FiniteFloat = Field(gt=-50, lt=50)

    @model_validator(mode="after")
    def _consistent(self) -> GdpGrowth:
        if self.last_year < self.first_year:
            raise ValueError(f"last_year: {self.last_year} is before first_year {self.first_year}")
        check_range(self, "growth_pct", "growth_low_pct", "growth_high_pct")
        return self


class TonnesPerUsd(Record):
    """Weight of a USD of trade in one commodity group (kg per USD); a row with a year overrides the row without."""

    id: Id
    commodity: Commodity
    year: Annotated[int | None, BeforeValidator(blank_to_none), Field(ge=1900, le=2100)] = None
    kg_per_usd: FiniteFloat = Field(gt=0)
    kg_per_usd_low: OptFiniteFloat = Field(default=None, gt=0)
    kg_per_usd_high: OptFiniteFloat = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> TonnesPerUsd:
        check_range(self, "kg_per_usd", "kg_per_usd_low", "kg_per_usd_high")
        return self


class TradeShare(Record):
    """The demand rows from region ``origin`` to ``destination`` in ``commodity`` carry ``share`` times the tonnes
    of the trade from ``exporter`` to ``importer`` (usually the same pair; another where the rows are transit)."""

    id: Id
    origin: str
    destination: str
    commodity: Commodity
    exporter: str
    importer: str
    share: FiniteFloat = Field(gt=0)


#: File name of each trade table and its record type (all optional, but all or none).
TRADE_TABLES: dict[str, type[Record]] = {
    "trade_regions.csv": TradeRegion,
    "trade.csv": Trade,
    "trade_mix.csv": TradeMix,
    "gdp.csv": Gdp,
    "gdp_growth.csv": GdpGrowth,
    "tonnes_per_usd.csv": TonnesPerUsd,
    "trade_shares.csv": TradeShare,
}
#: What one row of each trade table is, in messages.
TRADE_ROW_NOUNS = {
    "trade_regions.csv": "trade region",
    "trade.csv": "trade record",
    "trade_mix.csv": "trade mix record",
    "gdp.csv": "GDP record",
    "gdp_growth.csv": "growth assumption",
    "tonnes_per_usd.csv": "unit weight",
    "trade_shares.csv": "trade share",
}

_Lined = Sequence[tuple[int, Any]]


def check_trade_tables(rows: Mapping[str, _Lined], present: Iterable[str], problems: list[Problem]) -> None:
    """References and uniqueness across the trade tables; every one of them is needed once one is there."""
    present = set(present) & set(TRADE_TABLES)
    if not present:
        return
    for name in TRADE_TABLES:
        if name not in present:
            given = ", ".join(sorted(present))
            problems.append(Problem(name, None, None, f"file is missing (the trade model needs it with {given})"))
    regions = _check_regions(rows["trade_regions.csv"], problems)

    def region(file: str, line: int, column: str, value: str) -> None:
        if value not in regions:
            problems.append(Problem(file, line, column, f"unknown region {value!r} (see trade_regions.csv)"))

    _unique(rows["trade.csv"], "trade.csv", ("exporter", "importer", "year"), problems)
    _unique(rows["trade_mix.csv"], "trade_mix.csv", ("exporter", "importer", "commodity"), problems)
    _unique(rows["gdp.csv"], "gdp.csv", ("region", "year"), problems)
    _unique(rows["tonnes_per_usd.csv"], "tonnes_per_usd.csv", ("commodity", "year"), problems)
    _unique(rows["trade_shares.csv"], "trade_shares.csv", ("origin", "destination", "commodity"), problems)
    for file, columns in (
        ("trade.csv", ("exporter", "importer")),
        ("trade_mix.csv", ("exporter", "importer")),
        ("gdp.csv", ("region",)),
        ("gdp_growth.csv", ("region",)),
        ("trade_shares.csv", ("origin", "destination", "exporter", "importer")),
    ):
        for line, rec in rows[file]:
            for column in columns:
                region(file, line, column, getattr(rec, column))
    _check_mix_sums(rows["trade_mix.csv"], problems)
    _check_growth_periods(rows["gdp_growth.csv"], problems)
    _check_shares(rows, problems)


def _check_regions(regions: _Lined, problems: list[Problem]) -> set[str]:
    """The region ids; a country may belong to one region only."""
    owner: dict[str, tuple[str, int]] = {}
    for line, rec in regions:
        for country in rec.countries:
            if country in owner and owner[country][0] != rec.id:
                other, other_line = owner[country]
                message = f"{country} is also in {other!r} (line {other_line})"
                problems.append(Problem("trade_regions.csv", line, "countries", message))
            owner.setdefault(country, (rec.id, line))
    return {rec.id for _, rec in regions}


def _unique(recs: _Lined, file: str, key: tuple[str, ...], problems: list[Problem]) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    for line, rec in recs:
        k = tuple(getattr(rec, column) for column in key)
        if k in seen:
            problems.append(Problem(file, line, key[-1], f"same {', '.join(key)} as line {seen[k]}"))
        seen.setdefault(k, line)


def _check_mix_sums(mix: _Lined, problems: list[Problem]) -> None:
    """The commodity shares of one trade flow add up to 1 at most."""
    total: dict[tuple[str, str], float] = {}
    last: dict[tuple[str, str], int] = {}
    for line, rec in mix:
        key = (rec.exporter, rec.importer)
        total[key] = total.get(key, 0.0) + rec.share
        last[key] = line
    for key, value in total.items():
        if value > 1 + 1e-9:
            message = f"the shares of {key[0]} to {key[1]} add up to {value:g}, more than 1"
            problems.append(Problem("trade_mix.csv", last[key], "share", message))


def _check_growth_periods(growth: _Lined, problems: list[Problem]) -> None:
    """The growth periods of one region do not overlap."""
    year_of: dict[tuple[str, int], int] = {}
    for line, rec in growth:
        for year in range(rec.first_year, rec.last_year + 1):
            if (rec.region, year) in year_of:
                first = year_of[(rec.region, year)]
                message = f"{rec.region!r} already has a growth assumption for {year} (line {first})"
                problems.append(Problem("gdp_growth.csv", line, "first_year", message))
                break
            year_of[(rec.region, year)] = line


def _check_shares(rows: Mapping[str, _Lined], problems: list[Problem]) -> None:
    """The trade flow a share names has trade records and a value share in the share's commodity."""
    flows = {(rec.exporter, rec.importer) for _, rec in rows["trade.csv"]}
    mixes = {(rec.exporter, rec.importer, rec.commodity) for _, rec in rows["trade_mix.csv"]}
    for line, rec in rows["trade_shares.csv"]:
        if (rec.exporter, rec.importer) not in flows:
            message = f"no trade from {rec.exporter!r} to {rec.importer!r} in trade.csv"
            problems.append(Problem("trade_shares.csv", line, "exporter", message))
        elif (rec.exporter, rec.importer, rec.commodity) not in mixes:
            message = f"no {rec.commodity} share of {rec.exporter!r} to {rec.importer!r} in trade_mix.csv"
            problems.append(Problem("trade_shares.csv", line, "commodity", message))
