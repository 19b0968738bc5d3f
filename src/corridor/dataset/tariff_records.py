"""Record type of bulk_tariffs.csv: what a tonne of dry or liquid bulk pays by mode (links) or by kind (transfers).

Containers are priced by the tariffs of links.csv and the fees of transfers.csv, per FEU or TEU. Bulk travels in
wagons, tank cars, holds and tanks, and its rates are quoted per tonne-km, per tonne or per wagon: a row here prices
the links of one mode (or the transfers of one kind) for one bulk commodity, optionally narrowed to countries, to
layers (transfers) or to named elements. The most specific row wins (docs/data.md, "bulk_tariffs.csv").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from corridor.dataset.fields import FiniteFloat, Id, OptFiniteFloat, Record, StrList, check_range, check_subset
from corridor.dataset.vocab import COUNTRIES, LAYERS
from corridor.errors import Problem

__all__ = ["BULK_ROW_NOUNS", "BULK_TABLES", "BulkTariff", "check_bulk_tables"]

#: Units a bulk rate is quoted in: per tonne-km (links only), per tonne, or per wagon (over payload_t_per_wagon).
BULK_RATE_UNITS = ("t_km", "t", "wagon")


class BulkTariff(Record):
    """USD a tonne of dry or liquid bulk pays on the links of one mode, or at the transfers of one kind."""

    id: Id
    commodity: Literal["dry_bulk", "liquid_bulk"]
    mode: Literal["rail", "road", "ferry", "feeder", "sea", "barge", "pipeline"] | None = None
    kind: Literal["transshipment", "gauge_change", "port_handling", "border", "terminal"] | None = None
    #: transfers only: the row applies where the transfer's from_layer or to_layer is one of these
    layers: StrList = Field(default_factory=list)
    #: links whose ends (and via_countries) all lie in these countries; transfers at a place in one of them
    countries: StrList = Field(default_factory=list)
    #: ids of the links (mode rows) or transfers (kind rows) the row is limited to
    elements: StrList = Field(default_factory=list)
    rate_usd: FiniteFloat = Field(ge=0)
    rate_low_usd: OptFiniteFloat = Field(default=None, ge=0)
    rate_high_usd: OptFiniteFloat = Field(default=None, ge=0)
    rate_unit: Literal["t_km", "t", "wagon"]

    @field_validator("layers")
    @classmethod
    def _layers(cls, value: list[str]) -> list[str]:
        return check_subset(value, tuple(layer for layer in LAYERS if layer != "gate"), "layer")

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        return check_subset(value, COUNTRIES, "country code")

    @model_validator(mode="after")
    def _consistent(self) -> BulkTariff:
        if (self.mode is None) == (self.kind is None):
            raise ValueError(
                "mode: give a mode (the row prices links) or a kind (the row prices transfers), one of the two"
            )
        if self.kind is None and self.layers:
            raise ValueError("layers: only a row for transfers (kind) is limited by layers")
        if self.kind is not None and self.rate_unit == "t_km":
            raise ValueError("rate_unit: a transfer has no distance; quote it per t or per wagon")
        check_range(self, "rate_usd", "rate_low_usd", "rate_high_usd")
        return self

    @property
    def specificity(self) -> tuple[bool, bool, bool, int]:
        """Named elements outrank countries (the fewer the more specific), which outrank layers, which outrank a
        row for the whole mode or kind."""
        return (bool(self.elements), bool(self.countries), bool(self.layers), -len(self.countries))

    @property
    def match_key(self) -> tuple[str, str, frozenset[str], frozenset[str], frozenset[str]]:
        """Two rows with the same key would apply to the same elements with the same rank."""
        return (
            self.commodity,
            self.mode or f"kind:{self.kind}",
            frozenset(self.layers),
            frozenset(self.countries),
            frozenset(self.elements),
        )


#: File name of the table of this module, and its record type (registered in ``corridor.dataset.validate``).
BULK_TABLES: dict[str, type[BaseModel]] = {"bulk_tariffs.csv": BulkTariff}
BULK_ROW_NOUNS = {"bulk_tariffs.csv": "bulk tariff"}


def check_bulk_tables(
    rows: Mapping[str, Sequence[tuple[int, object]]],
    *,
    has_wagon_payload: bool,
    info_file: str,
    problems: list[Problem],
) -> None:
    """Elements exist and are of the row's mode or kind; wagon rates have a payload; no two rows tie."""
    file = "bulk_tariffs.csv"
    link_mode = {rec.id: rec.mode for _, rec in rows["links.csv"]}  # type: ignore[attr-defined]
    transfer_kind = {rec.id: rec.kind for _, rec in rows["transfers.csv"]}  # type: ignore[attr-defined]
    seen: dict[tuple[str, str, frozenset[str], frozenset[str], frozenset[str]], int] = {}
    for line, rec in rows[file]:
        assert isinstance(rec, BulkTariff)
        table, of_element = ("links.csv", link_mode) if rec.mode is not None else ("transfers.csv", transfer_kind)
        wanted = rec.mode if rec.mode is not None else rec.kind
        noun = "link" if rec.mode is not None else "transfer"
        for element in rec.elements:
            if element not in of_element:
                problems.append(Problem(file, line, "elements", f"unknown {noun} {element!r} (see {table})"))
            elif of_element[element] != wanted:
                column = "mode" if rec.mode is not None else "kind"
                problems.append(
                    Problem(
                        file,
                        line,
                        "elements",
                        f"{noun} {element!r} is {of_element[element]}, not {wanted} (the row's {column})",
                    )
                )
        if rec.rate_unit == "wagon" and not has_wagon_payload:
            problems.append(
                Problem(file, line, "rate_unit", f"a rate per wagon needs payload_t_per_wagon in {info_file}")
            )
        key = rec.match_key
        if key in seen:
            problems.append(
                Problem(
                    file,
                    line,
                    "id",
                    f"same commodity, {'mode' if rec.mode else 'kind'}, layers, countries and elements as "
                    f"line {seen[key]}: the two rows would tie",
                )
            )
        seen.setdefault(key, line)
