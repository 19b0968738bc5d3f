"""Record types of the freight tables of a corridor dataset (one pydantic model per CSV table) and dataset.yaml."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from corridor.dataset.fields import (
    LOCODE,
    Distribution,
    FiniteFloat,
    Flag,
    FloatList,
    Id,
    OptFiniteFloat,
    OptFloat,
    OptStr,
    Record,
    StrList,
    blank_to_none,
    check_country,
    check_date,
    check_distribution,
    check_range,
    check_subset,
    is_blank,
)
from corridor.dataset.vocab import (
    COMMODITIES,
    COUNTRIES,
    FREIGHT_MODES,
    GAUGES,
    LAYERS,
    MONTHS,
    PASSAGES,
    UNIT_PAYLOAD_KEYS,
    VDF_DEFAULTS,
    WEEKDAYS,
    normalize_avoid_token,
)

__all__ = [
    "Berth",
    "Capacity",
    "Corridor",
    "DatasetInfo",
    "Delay",
    "DemandRecord",
    "EmissionFactor",
    "Link",
    "Place",
    "Quantity",
    "Service",
    "Source",
    "Transfer",
    "Weather",
]


class Source(BaseModel):
    """A publication or data set that records cite by ``id``."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: Id
    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    date: str
    url: OptStr = None
    note: OptStr = None

    @field_validator("date")
    @classmethod
    def _date(cls, value: str) -> str:
        return check_date(value)


class Corridor(Record):
    """A named corridor that links are tagged with (``middle``, ``northern``, ...)."""

    id: Id
    name: str = Field(min_length=1)
    description: str = ""
    #: Where its volume is counted: ``passage:NAME`` or ``link:ID`` entries that every route of the corridor
    #: crosses once (``passage:caspian`` for the Middle Corridor).
    cut: StrList = Field(default_factory=list)

    @field_validator("cut")
    @classmethod
    def _cut(cls, value: list[str]) -> list[str]:
        for item in value:
            kind, _, name = item.partition(":")
            if kind not in ("passage", "link") or not name:
                raise ValueError(f"{item!r} is not passage:NAME or link:ID")
            if kind == "passage":
                check_subset([name], PASSAGES, "passage")
        return value


class Place(Record):
    """A city, terminal, port, border post, hub or field."""

    id: Id
    name: str = Field(min_length=1)
    aliases: StrList = Field(default_factory=list)
    country: str
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    kind: Literal["city", "terminal", "port", "border", "hub", "field"]
    locode: OptStr = None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return check_country(value)

    @field_validator("locode")
    @classmethod
    def _locode(cls, value: str | None) -> str | None:
        if value is not None and not LOCODE.match(value):
            raise ValueError(f"{value!r} is not a UN/LOCODE (5 characters, e.g. KZAKX)")
        return value


class Link(Record):
    """A connection between two places by one mode (and gauge, for rail)."""

    id: Id
    from_: str = Field(alias="from")
    to: str
    mode: Literal["rail", "road", "ferry", "feeder", "sea", "barge", "pipeline", "fiber"]
    gauge: Annotated[int | None, BeforeValidator(blank_to_none)] = None
    distance_km: float = Field(gt=0)
    speed_kmh: OptFloat = Field(default=None, gt=0)
    hours: OptFloat = Field(default=None, ge=0)
    tariff_usd: OptFloat = Field(default=None, ge=0)
    tariff_low_usd: OptFloat = Field(default=None, ge=0)
    tariff_high_usd: OptFloat = Field(default=None, ge=0)
    tariff_unit: Annotated[Literal["FEU", "TEU", "t"] | None, BeforeValidator(blank_to_none)] = None
    tariff_as_of: OptStr = None
    capacity_per_year: OptFloat = Field(default=None, ge=0)
    capacity_unit: Annotated[Literal["TEU", "t", "trains", "wagons"] | None, BeforeValidator(blank_to_none)] = None
    commodities: StrList = Field(default_factory=list)
    corridors: StrList = Field(default_factory=list)
    passages: StrList = Field(default_factory=list)
    via_countries: StrList = Field(default_factory=list)
    emission_factor: OptStr = None
    bidirectional: Flag = True

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    @field_validator("commodities")
    @classmethod
    def _commodities(cls, value: list[str]) -> list[str]:
        return check_subset(value, COMMODITIES, "commodity")

    @field_validator("passages")
    @classmethod
    def _passages(cls, value: list[str]) -> list[str]:
        return check_subset(value, PASSAGES, "passage")

    @field_validator("via_countries")
    @classmethod
    def _via(cls, value: list[str]) -> list[str]:
        return check_subset(value, COUNTRIES, "country code")

    @field_validator("tariff_as_of")
    @classmethod
    def _tariff_date(cls, value: str | None) -> str | None:
        return None if value is None else check_date(value)

    @model_validator(mode="after")
    def _consistent(self) -> Link:
        if self.mode == "rail" and self.gauge not in GAUGES:
            raise ValueError(f"gauge: a rail link needs a gauge of {' or '.join(map(str, GAUGES))}")
        if self.mode != "rail" and self.gauge is not None:
            raise ValueError(f"gauge: only rail links have a gauge, this is {self.mode}")
        if self.mode != "fiber":
            if self.speed_kmh is None and self.hours is None:
                raise ValueError("speed_kmh: give speed_kmh or hours")
            if self.tariff_usd is None or self.tariff_unit is None:
                raise ValueError("tariff_usd: a freight link needs tariff_usd and tariff_unit")
            if not self.commodities:
                raise ValueError("commodities: a freight link needs at least one commodity")
        low, typ, high = self.tariff_low_usd, self.tariff_usd, self.tariff_high_usd
        if typ is not None and ((low is not None and low > typ) or (high is not None and high < typ)):
            raise ValueError(
                f"tariff_usd: need tariff_low_usd <= tariff_usd <= tariff_high_usd, got {low}, {typ}, {high}"
            )
        if (self.capacity_per_year is None) != (self.capacity_unit is None):
            raise ValueError("capacity_unit: give capacity_per_year and capacity_unit together")
        if self.from_ == self.to:
            raise ValueError(f"to: a link cannot start and end at {self.to!r}")
        return self

    @property
    def layer(self) -> str:
        """The virtual-network layer this link runs in (``rail1520``, ``sea``, ...)."""
        return f"rail{self.gauge}" if self.mode == "rail" else self.mode

    @property
    def link_hours(self) -> float:
        """Running time: ``hours`` when given, otherwise distance over speed."""
        if self.hours is not None:
            return self.hours
        assert self.speed_kmh is not None
        return self.distance_km / self.speed_kmh


class Transfer(Record):
    """Time and cost of moving between layers at a place, or of passing a border in one layer."""

    id: Id
    place: str
    from_layer: str
    to_layer: str
    kind: Literal["transshipment", "gauge_change", "port_handling", "border", "terminal"]
    hours_low: float = Field(ge=0)
    hours_typical: float = Field(ge=0)
    hours_high: float = Field(ge=0)
    cost_usd: float = Field(default=0.0, ge=0)
    cost_unit: Annotated[Literal["FEU", "TEU", "t"], BeforeValidator(lambda v: v or "FEU")] = "FEU"
    commodities: StrList = Field(default_factory=list)
    emission_factor: OptStr = None
    bidirectional: Flag = True
    #: How the dwell varies from shipment to shipment (the reliability engine); triangular on low/typical/high.
    distribution: Distribution = "triangular"
    #: Observed dwell times in hours, for ``distribution = empirical``.
    hours_samples: FloatList = Field(default_factory=list)

    @field_validator("from_layer", "to_layer")
    @classmethod
    def _layer(cls, value: str) -> str:
        return check_subset([value], LAYERS, "layer")[0]

    @field_validator("commodities")
    @classmethod
    def _commodities(cls, value: list[str]) -> list[str]:
        return check_subset(value, COMMODITIES, "commodity")

    @model_validator(mode="after")
    def _ordered(self) -> Transfer:
        if not self.hours_low <= self.hours_typical <= self.hours_high:
            raise ValueError(
                f"hours_low: need hours_low <= hours_typical <= hours_high, "
                f"got {self.hours_low}, {self.hours_typical}, {self.hours_high}"
            )
        if self.from_layer == "gate" and self.to_layer == "gate":
            raise ValueError("to_layer: a transfer from gate to gate means nothing")
        check_distribution(self.distribution, self.hours_low, self.hours_typical, self.hours_high, self.hours_samples)
        return self


class Service(Record):
    """A scheduled service that runs on one or more links (ferry sailings, feeders, block trains)."""

    id: Id
    links: StrList = Field(min_length=1)
    departures_per_week: float = Field(gt=0)
    capacity_per_departure: float = Field(gt=0)
    capacity_unit: Literal["TEU", "t", "trains", "wagons"]
    max_wait_hours: OptFloat = Field(default=None, gt=0)
    weekdays: StrList = Field(default_factory=list)
    #: ``timetable``: departures at fixed times (``weekdays`` at ``departure_hour``, or evenly spaced from
    #: Monday 00:00 UTC); ``when_full``: the vessel or train leaves when loaded, after ``max_wait_hours`` at most.
    departs: Annotated[Literal["timetable", "when_full"], BeforeValidator(lambda v: v or "timetable")] = "timetable"
    departure_hour: FiniteFloat = Field(default=0.0, ge=0, lt=24)

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: list[str]) -> list[str]:
        check_subset(value, WEEKDAYS, "weekday")
        twice = sorted({v for v in value if value.count(v) > 1})
        if twice:
            raise ValueError(f"listed more than once: {', '.join(map(repr, twice))}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Service:
        if self.weekdays and len(self.weekdays) != self.departures_per_week:
            raise ValueError(
                f"weekdays: {len(self.weekdays)} weekday(s) listed but departures_per_week is "
                f"{self.departures_per_week:g}; list one weekday per weekly departure"
            )
        if self.departs == "when_full" and self.weekdays:
            raise ValueError("weekdays: a service that departs when full has no timetable")
        if self.max_wait_hours is not None and self.departs != "when_full":
            raise ValueError("max_wait_hours: applies to services that depart when full (set departs to when_full)")
        return self

    @property
    def headway_hours(self) -> float:
        """Mean hours between departures."""
        return 168.0 / self.departures_per_week

    @property
    def expected_wait_hours(self) -> float:
        """Mean wait of cargo arriving at random: half the headway, capped by ``max_wait_hours``."""
        half_headway = 0.5 * 168.0 / self.departures_per_week
        return min(half_headway, self.max_wait_hours) if self.max_wait_hours is not None else half_headway


class Weather(Record):
    """Seasonal weather closures of a crossing: the chance that cargo finds it closed, and for how long.

    ``closed_probability`` is the probability that a shipment reaching the crossing in one of ``months`` finds it
    closed (the share of time it is closed); the closure then lasts ``hours_low``/``hours_typical``/``hours_high``
    more hours (``distribution``). A held sailing leaves when the closure ends.
    """

    id: Id
    links: StrList = Field(min_length=1)
    months: StrList = Field(min_length=1)
    closed_probability: FiniteFloat = Field(ge=0, le=1)
    hours_low: FiniteFloat = Field(ge=0)
    hours_typical: FiniteFloat = Field(ge=0)
    hours_high: FiniteFloat = Field(ge=0)
    distribution: Distribution = "triangular"
    hours_samples: FloatList = Field(default_factory=list)

    @field_validator("months")
    @classmethod
    def _months(cls, value: list[str]) -> list[str]:
        full = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december")  # fmt: skip
        value = [MONTHS[full.index(v.lower())] if v.lower() in full else v[:1].upper() + v[1:].lower() for v in value]
        check_subset(value, MONTHS, "month")
        twice = sorted({v for v in value if value.count(v) > 1})
        if twice:
            raise ValueError(f"listed more than once: {', '.join(map(repr, twice))}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Weather:
        check_range(self, "hours_typical", "hours_low", "hours_high")
        check_distribution(self.distribution, self.hours_low, self.hours_typical, self.hours_high, self.hours_samples)
        return self


class Berth(Record):
    """Vessel berths of a port for some services, and the hours a vessel spends at one per call."""

    id: Id
    place: str
    services: StrList = Field(min_length=1)
    berths: int = Field(ge=1)
    hours_low: FiniteFloat = Field(ge=0)
    hours_typical: FiniteFloat = Field(ge=0)
    hours_high: FiniteFloat = Field(ge=0)
    distribution: Distribution = "triangular"
    hours_samples: FloatList = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Berth:
        check_range(self, "hours_typical", "hours_low", "hours_high")
        check_distribution(self.distribution, self.hours_low, self.hours_typical, self.hours_high, self.hours_samples)
        return self


class Delay(Record):
    """How running times vary: a factor on the scheduled running time of links by mode, country or id.

    A row applies to the links it lists, or else to links of its ``modes`` whose two ends lie in ``countries``
    (any country if empty). The most specific row wins: links, then modes with countries, then modes alone.
    """

    id: Id
    modes: StrList = Field(default_factory=list)
    countries: StrList = Field(default_factory=list)
    links: StrList = Field(default_factory=list)
    factor_low: FiniteFloat = Field(gt=0)
    factor_typical: FiniteFloat = Field(gt=0)
    factor_high: FiniteFloat = Field(gt=0)
    distribution: Distribution = "triangular"
    hours_samples: FloatList = Field(default_factory=list)

    @field_validator("modes")
    @classmethod
    def _modes(cls, value: list[str]) -> list[str]:
        return check_subset(value, FREIGHT_MODES, "mode")

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        return check_subset(value, COUNTRIES, "country code")

    @model_validator(mode="after")
    def _consistent(self) -> Delay:
        if not self.modes and not self.links:
            raise ValueError("modes: give the modes or the links the factor applies to")
        if self.links and (self.modes or self.countries):
            raise ValueError("links: give either links, or modes (and countries), not both")
        check_range(self, "factor_typical", "factor_low", "factor_high")
        if self.distribution == "empirical":
            raise ValueError("distribution: running-time factors are triangular, lognormal or uniform")
        check_distribution(self.distribution, self.factor_low, self.factor_typical, self.factor_high, [])
        return self

    @property
    def specificity(self) -> int:
        """2 for a row naming links, 1 for modes with countries, 0 for modes alone."""
        return 2 if self.links else 1 if self.countries else 0


class EmissionFactor(Record):
    """A GLEC / ISO 14083 emission intensity: transport (g CO2e per t-km) or hub (kg CO2e per t handled)."""

    id: Id
    kind: Literal["transport", "hub"]
    description: str = Field(min_length=1)
    energy: str = ""
    ttw: float = Field(ge=0)
    wtw: float = Field(ge=0)
    unit: Literal["g_per_tkm", "kg_per_t"]
    quality: Literal["primary", "modelled", "default"]

    @model_validator(mode="after")
    def _units(self) -> EmissionFactor:
        expected = "g_per_tkm" if self.kind == "transport" else "kg_per_t"
        if self.unit != expected:
            raise ValueError(f"unit: a {self.kind} factor is in {expected}, not {self.unit}")
        if self.wtw < self.ttw:
            raise ValueError(f"wtw: well-to-wheel {self.wtw} is below tank-to-wheel {self.ttw}")
        return self


class Capacity(Record):
    """A capacity-limited element (a port, a border, a line, a ferry service) and its volume-delay function.

    One element may span several arcs of the virtual network (``elements`` lists rows of one table, used in parallel,
    not in series); its volume is the tonnes of ``commodities`` (all if empty) on those arcs: both directions
    together for a transfer element, each direction on its own for a link or service element. ``alpha`` and
    ``beta`` default by ``vdf`` (see ``VDF_DEFAULTS``); a conical function's ``beta`` is derived from ``alpha``
    whatever the file says. See docs/data.md for the delay functions.
    """

    id: Id
    element_type: Literal["link", "transfer", "service"]
    elements: StrList = Field(min_length=1)
    commodities: StrList = Field(default_factory=list)
    capacity_per_year: FiniteFloat = Field(gt=0)
    capacity_low: OptFiniteFloat = Field(default=None, gt=0)
    capacity_high: OptFiniteFloat = Field(default=None, gt=0)
    capacity_unit: Literal["t", "TEU", "wagons", "trains"]
    vdf: Literal["bpr", "conical", "queue"]
    alpha: FiniteFloat = 0.0  # replaced by the default of the vdf when the cell is empty
    beta: FiniteFloat = 0.0
    t0_hours: FiniteFloat = Field(ge=0)

    @model_validator(mode="before")
    @classmethod
    def _vdf_defaults(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        vdf = str(data.get("vdf") or "").strip()
        if vdf not in VDF_DEFAULTS:
            return data
        alpha, beta = VDF_DEFAULTS[vdf]
        out = dict(data)
        if is_blank(out.get("alpha")):
            out["alpha"] = alpha
        if vdf == "conical":
            # Spiess (1990): b = (2a - 1) / (2a - 2) makes the delay zero at x = 0.
            try:
                a = float(out["alpha"])
            except (TypeError, ValueError):
                a = float("nan")
            out["beta"] = (2 * a - 1) / (2 * a - 2) if a > 1 and a != float("inf") else 0.0
        elif is_blank(out.get("beta")):
            out["beta"] = beta
        return out

    @field_validator("commodities")
    @classmethod
    def _commodities(cls, value: list[str]) -> list[str]:
        return check_subset(value, COMMODITIES, "commodity")

    @field_validator("elements")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        twice = sorted({v for v in value if value.count(v) > 1})
        if twice:
            raise ValueError(f"listed more than once: {', '.join(map(repr, twice))}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Capacity:
        check_range(self, "capacity_per_year", "capacity_low", "capacity_high")
        a, b = self.alpha, self.beta
        if self.vdf == "bpr":
            if a < 0:
                raise ValueError(f"alpha: a bpr function needs alpha >= 0, got {a}")
            if b < 0:
                raise ValueError(f"beta: a bpr function needs beta >= 0, got {b}")
        elif self.vdf == "conical":
            if not a > 1:
                raise ValueError(f"alpha: a conical function needs alpha > 1, got {a}")
        else:
            if not a > 0:
                raise ValueError(f"alpha: a queue function needs alpha > 0, got {a}")
            if not 0 < b < 1:
                raise ValueError(
                    f"beta: a queue function needs 0 < beta < 1 (the utilisation where it turns linear), got {b}"
                )
        return self


class DemandRecord(Record):
    """Annual freight demand of one origin-destination pair, commodity and year, and what its shippers avoid."""

    id: Id
    origin: str
    destination: str
    commodity: Literal["container", "dry_bulk", "liquid_bulk"]
    year: int = Field(ge=1900, le=2100)
    tonnes_per_year: FiniteFloat = Field(ge=0)
    tonnes_low: OptFiniteFloat = Field(default=None, ge=0)
    tonnes_high: OptFiniteFloat = Field(default=None, ge=0)
    avoid: StrList = Field(default_factory=list)

    @field_validator("avoid", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        # The CLI's --avoid takes "RU,IR"; accept that here as well as the table's "RU;IR".
        if isinstance(value, str):
            return value.replace(",", ";")
        return value

    @field_validator("avoid")
    @classmethod
    def _avoid(cls, value: list[str]) -> list[str]:
        out: list[str] = []
        for token in value:
            norm = normalize_avoid_token(token)
            if norm not in out:
                out.append(norm)
        return out

    @model_validator(mode="after")
    def _consistent(self) -> DemandRecord:
        check_range(self, "tonnes_per_year", "tonnes_low", "tonnes_high")
        if self.origin == self.destination:
            raise ValueError(f"destination: the same place as the origin ({self.origin!r})")
        return self

    @property
    def avoid_key(self) -> frozenset[str]:
        """The avoided countries, passages and modes as a set (order and spelling in the file do not matter)."""
        return frozenset(self.avoid)


class Quantity(BaseModel):
    """A sourced number with its range, as used in ``dataset.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float = Field(ge=0)
    low: float | None = None
    high: float | None = None
    source: StrList = Field(min_length=1)
    as_of: str
    estimated: bool = False
    note: str | None = None


class DatasetInfo(BaseModel):
    """``dataset.yaml``: the name of a dataset and the unit conversions and defaults its records assume."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str
    version: str
    description: str = ""
    payload_t_per_teu: Quantity
    payload_t_per_feu: Quantity
    feu_to_teu_price_ratio: Quantity
    value_of_time_usd_per_feu_hour: Quantity
    carbon_price_usd_per_t: Quantity
    #: Optional conversions for capacities given in wagons or trains (see capacities.csv).
    payload_t_per_wagon: Quantity | None = None
    payload_t_per_train: Quantity | None = None

    @model_validator(mode="after")
    def _positive(self) -> DatasetInfo:
        for key in (
            "payload_t_per_teu",
            "payload_t_per_feu",
            "feu_to_teu_price_ratio",
            "payload_t_per_wagon",
            "payload_t_per_train",
        ):
            quantity = getattr(self, key)
            if quantity is not None and quantity.value <= 0:
                raise ValueError(f"{key}: must be greater than 0")
        return self

    def tonnes_per_unit(self, unit: str) -> float | None:
        """Tonnes in one ``unit`` of capacity (``t``, ``TEU``, ``wagons``, ``trains``); None if not given here."""
        if unit == "t":
            return 1.0
        key = UNIT_PAYLOAD_KEYS.get(unit)
        quantity = getattr(self, key) if key else None
        return None if quantity is None else float(quantity.value)
