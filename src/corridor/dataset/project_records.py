"""Record type of the investments the dataset knows: capex range, opex, build years, life and what each changes."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from corridor.dataset.fields import FiniteFloat, Id, OptFiniteFloat, OptStr, Record, StrList

__all__ = ["PROJECT_KEYS", "Project"]

#: the scenario sections a project's ``changes`` may hold (docs/scenarios.md)
PROJECT_KEYS = ("set", "scale", "add", "remove", "policies", "requires")


def read_changes(text: str) -> dict[str, Any]:
    """The scenario fragment of a ``changes`` cell (a YAML flow mapping), or ValueError saying what is wrong."""
    from corridor.io.safe_yaml import YamlLimits, YamlRefused, read_yaml

    try:
        doc = read_yaml(text, YamlLimits(max_chars=8192, max_depth=8, max_nodes=500))[0]
    except YamlRefused as error:
        raise ValueError(f"not a YAML mapping ({error.message})") from None
    if not isinstance(doc, dict) or not doc:
        raise ValueError(f"{text!r} is not a scenario fragment such as {{set: {{capacities/ID: {{FIELD: VALUE}}}}}}")
    unknown = [str(k) for k in doc if k not in PROJECT_KEYS]
    if unknown:
        raise ValueError(f"unknown section {', '.join(map(repr, unknown))}; valid: {', '.join(PROJECT_KEYS)}")
    return doc


class Project(Record):
    """An investment: its cost (USD million, a range where sources disagree), when it is built, how long it lasts,
    and what it changes in the network as a scenario fragment (``changes``, the sections of a scenario file).

    ``capex_musd`` is spread evenly over the build years ``build_from``..``build_to``; the project works from the
    year after ``build_to`` for ``life_years``. ``opex_musd_per_year`` is the added operating and maintenance cost.
    ``without`` is the counterfactual where the dataset as it stands already has the project (the changes that take
    it away). ``bottleneck`` names what it relieves (``caspian-rail``), so that a portfolio runs projects on the same
    one together: their benefits do not add up. ``scenario`` names the library scenario with the same changes.
    """

    id: Id
    title: str
    corridor: str
    changes: str
    capex_musd: FiniteFloat = Field(ge=0, le=1e6)
    capex_low_musd: OptFiniteFloat = Field(default=None, ge=0, le=1e6)
    capex_high_musd: OptFiniteFloat = Field(default=None, ge=0, le=1e6)
    opex_musd_per_year: FiniteFloat = Field(default=0.0, ge=0, le=1e5)
    build_from: int = Field(ge=1990, le=2100)
    build_to: int = Field(ge=1990, le=2100)
    life_years: int = Field(ge=1, le=100)
    without: OptStr = None
    bottleneck: StrList = Field(default_factory=list)
    scenario: OptStr = None

    @field_validator("changes", "without")
    @classmethod
    def _changes(cls, value: str | None) -> str | None:
        if value is not None:
            read_changes(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Project:
        if self.build_to < self.build_from:
            raise ValueError(f"build_to: {self.build_to} is before build_from {self.build_from}")
        low = self.capex_low_musd if self.capex_low_musd is not None else self.capex_musd
        high = self.capex_high_musd if self.capex_high_musd is not None else self.capex_musd
        if not low <= self.capex_musd <= high:
            raise ValueError(f"capex_musd: {self.capex_musd:g} is not within its range {low:g} to {high:g}")
        return self

    @property
    def fragment(self) -> dict[str, Any]:
        """The scenario sections the project applies (``set``, ``scale``, ``policies`` ...)."""
        return read_changes(self.changes)

    @property
    def counterfactual(self) -> dict[str, Any]:
        """The scenario sections of the case without the project (empty where the dataset lacks it already)."""
        return read_changes(self.without) if self.without else {}

    @property
    def capex_range_musd(self) -> tuple[float, float, float]:
        """Low, central and high capex (USD million); the central value where the sources give one figure."""
        low = self.capex_musd if self.capex_low_musd is None else self.capex_low_musd
        high = self.capex_musd if self.capex_high_musd is None else self.capex_high_musd
        return (low, self.capex_musd, high)

    @property
    def opening_year(self) -> int:
        """The first year the project works."""
        return self.build_to + 1
