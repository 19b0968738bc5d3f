"""Record types of a corridor dataset (one pydantic model per CSV table) and their vocabularies."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

__all__ = [
    "CAPACITY_UNITS",
    "CARGOES",
    "COMMODITIES",
    "COUNTRIES",
    "DISTRIBUTIONS",
    "ELEMENT_TYPES",
    "FIBER_KINDS",
    "FIBER_REGIONS",
    "FIBER_STATUS",
    "LAYERS",
    "MODES",
    "MONTHS",
    "OIL_MODES",
    "OIL_NODE_KINDS",
    "PASSAGES",
    "PLACE_KINDS",
    "TRANSFER_KINDS",
    "UNIT_PAYLOAD_KEYS",
    "VDFS",
    "VDF_DEFAULTS",
    "Berth",
    "Capacity",
    "Corridor",
    "DatasetInfo",
    "Delay",
    "DemandRecord",
    "EmissionFactor",
    "FiberLink",
    "FiberNode",
    "FiberRtt",
    "Link",
    "OilLink",
    "OilNode",
    "Place",
    "Service",
    "Source",
    "Transfer",
    "Weather",
]

#: Modes of transport and communication. ``sea`` is deep-sea, ``feeder`` short-sea, ``ferry`` ro-ro or rail ferry.
MODES = ("rail", "road", "ferry", "feeder", "sea", "barge", "pipeline", "fiber")
#: Modes that carry freight (fiber carries data and is left out of freight routing).
FREIGHT_MODES = ("rail", "road", "ferry", "feeder", "sea", "barge", "pipeline")
GAUGES = (1435, 1520)
#: Layers of the virtual network: one per mode, rail split by gauge; ``gate`` is the shipper's door.
LAYERS = ("gate", "rail1435", "rail1520", "road", "ferry", "feeder", "sea", "barge", "pipeline")
PASSAGES = (
    "suez",
    "red-sea",
    "bab-el-mandeb",
    "cape",
    "bosporus",
    "caspian",
    "black-sea",
    "malacca",
    "gibraltar",
    "lake-van",
)
PLACE_KINDS = ("city", "terminal", "port", "border", "hub", "field")
TRANSFER_KINDS = ("transshipment", "gauge_change", "port_handling", "border", "terminal")
COMMODITIES = ("container", "dry_bulk", "liquid_bulk")
OIL_NODE_KINDS = ("field", "junction", "terminal", "market")
OIL_MODES = ("pipeline", "tanker", "rail")
FIBER_KINDS = ("terrestrial", "submarine")
FIBER_STATUS = ("operational", "planned", "proposed")
FIBER_REGIONS = ("europe", "turkiye", "caucasus", "central-asia", "russia", "middle-east", "south-asia", "east-asia")
#: Cargo units a query may ask for, and the commodity each one travels as.
CARGOES = {"FEU": "container", "TEU": "container", "t": "dry_bulk", "liquid": "liquid_bulk"}
TARIFF_UNITS = ("FEU", "TEU", "t")
CAPACITY_UNITS = ("TEU", "t", "trains", "wagons")
QUALITY = ("primary", "modelled", "default")
#: What a capacity-limited element of capacities.csv is made of: rows of links.csv, transfers.csv or services.csv.
ELEMENT_TYPES = ("link", "transfer", "service")
#: Volume-delay functions of capacities.csv (formulas in docs/data.md).
VDFS = ("bpr", "conical", "queue")
#: Default (alpha, beta) of each delay function; the conical beta is derived from alpha, so it has none.
VDF_DEFAULTS: dict[str, tuple[float, float | None]] = {"bpr": (0.15, 4.0), "conical": (4.0, None), "queue": (1.0, 0.95)}
#: Distributions of a stochastic duration (formulas in docs/model.md, "Reliability").
DISTRIBUTIONS = ("triangular", "lognormal", "uniform", "empirical")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: The dataset.yaml key that converts a capacity unit into tonnes (tonnes need none).
UNIT_PAYLOAD_KEYS = {"TEU": "payload_t_per_teu", "wagons": "payload_t_per_wagon", "trains": "payload_t_per_train"}

# ISO 3166-1 alpha-2 codes.
COUNTRIES = frozenset(
    [
        "AD",
        "AE",
        "AF",
        "AG",
        "AI",
        "AL",
        "AM",
        "AO",
        "AQ",
        "AR",
        "AS",
        "AT",
        "AU",
        "AW",
        "AX",
        "AZ",
        "BA",
        "BB",
        "BD",
        "BE",
        "BF",
        "BG",
        "BH",
        "BI",
        "BJ",
        "BL",
        "BM",
        "BN",
        "BO",
        "BQ",
        "BR",
        "BS",
        "BT",
        "BV",
        "BW",
        "BY",
        "BZ",
        "CA",
        "CC",
        "CD",
        "CF",
        "CG",
        "CH",
        "CI",
        "CK",
        "CL",
        "CM",
        "CN",
        "CO",
        "CR",
        "CU",
        "CV",
        "CW",
        "CX",
        "CY",
        "CZ",
        "DE",
        "DJ",
        "DK",
        "DM",
        "DO",
        "DZ",
        "EC",
        "EE",
        "EG",
        "EH",
        "ER",
        "ES",
        "ET",
        "FI",
        "FJ",
        "FK",
        "FM",
        "FO",
        "FR",
        "GA",
        "GB",
        "GD",
        "GE",
        "GF",
        "GG",
        "GH",
        "GI",
        "GL",
        "GM",
        "GN",
        "GP",
        "GQ",
        "GR",
        "GS",
        "GT",
        "GU",
        "GW",
        "GY",
        "HK",
        "HM",
        "HN",
        "HR",
        "HT",
        "HU",
        "ID",
        "IE",
        "IL",
        "IM",
        "IN",
        "IO",
        "IQ",
        "IR",
        "IS",
        "IT",
        "JE",
        "JM",
        "JO",
        "JP",
        "KE",
        "KG",
        "KH",
        "KI",
        "KM",
        "KN",
        "KP",
        "KR",
        "KW",
        "KY",
        "KZ",
        "LA",
        "LB",
        "LC",
        "LI",
        "LK",
        "LR",
        "LS",
        "LT",
        "LU",
        "LV",
        "LY",
        "MA",
        "MC",
        "MD",
        "ME",
        "MF",
        "MG",
        "MH",
        "MK",
        "ML",
        "MM",
        "MN",
        "MO",
        "MP",
        "MQ",
        "MR",
        "MS",
        "MT",
        "MU",
        "MV",
        "MW",
        "MX",
        "MY",
        "MZ",
        "NA",
        "NC",
        "NE",
        "NF",
        "NG",
        "NI",
        "NL",
        "NO",
        "NP",
        "NR",
        "NU",
        "NZ",
        "OM",
        "PA",
        "PE",
        "PF",
        "PG",
        "PH",
        "PK",
        "PL",
        "PM",
        "PN",
        "PR",
        "PS",
        "PT",
        "PW",
        "PY",
        "QA",
        "RE",
        "RO",
        "RS",
        "RU",
        "RW",
        "SA",
        "SB",
        "SC",
        "SD",
        "SE",
        "SG",
        "SH",
        "SI",
        "SJ",
        "SK",
        "SL",
        "SM",
        "SN",
        "SO",
        "SR",
        "SS",
        "ST",
        "SV",
        "SX",
        "SY",
        "SZ",
        "TC",
        "TD",
        "TF",
        "TG",
        "TH",
        "TJ",
        "TK",
        "TL",
        "TM",
        "TN",
        "TO",
        "TR",
        "TT",
        "TV",
        "TW",
        "TZ",
        "UA",
        "UG",
        "UM",
        "US",
        "UY",
        "UZ",
        "VA",
        "VC",
        "VE",
        "VG",
        "VI",
        "VN",
        "VU",
        "WF",
        "WS",
        "YE",
        "YT",
        "ZA",
        "ZM",
        "ZW",
    ]
)

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")


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


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


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
OptFloat = Annotated[float | None, BeforeValidator(_blank_to_none)]
#: A number read from a file that must be finite (NaN and infinity are rejected as such, not as "out of range").
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
OptFiniteFloat = Annotated[float | None, BeforeValidator(_blank_to_none), Field(allow_inf_nan=False)]
OptStr = Annotated[str | None, BeforeValidator(_blank_to_none)]
Flag = Annotated[bool, BeforeValidator(_bool)]


class _Record(BaseModel):
    """Every record names its sources and the date its values refer to; estimates say so."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    source: StrList = Field(min_length=1)
    as_of: str
    estimated: Flag = False
    note: OptStr = None

    @field_validator("as_of")
    @classmethod
    def _date(cls, value: str) -> str:
        if not _DATE.match(value):
            raise ValueError(f"{value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
        return value


def _country_code(value: str) -> str:
    if value not in COUNTRIES:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. KZ, AZ, GE)")
    return value


def _check_subset(values: list[str], allowed: tuple[str, ...] | frozenset[str], what: str) -> list[str]:
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValueError(f"unknown {what} {', '.join(map(repr, bad))}; valid: {', '.join(sorted(allowed))}")
    return values


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
        if not _DATE.match(value):
            raise ValueError(f"{value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
        return value


class Corridor(_Record):
    """A named corridor that links are tagged with (``middle``, ``northern``, ...)."""

    id: Id
    name: str = Field(min_length=1)
    description: str = ""
    #: Where its volume is counted: ``passage:NAME`` or ``link:ID`` entries that every route of the corridor
    #: crosses once (``passage:caspian`` for the Middle Corridor).
    cut: StrList = []

    @field_validator("cut")
    @classmethod
    def _cut(cls, value: list[str]) -> list[str]:
        for item in value:
            kind, _, name = item.partition(":")
            if kind not in ("passage", "link") or not name:
                raise ValueError(f"{item!r} is not passage:NAME or link:ID")
            if kind == "passage":
                _check_subset([name], PASSAGES, "passage")
        return value


class Place(_Record):
    """A city, terminal, port, border post, hub or field."""

    id: Id
    name: str = Field(min_length=1)
    aliases: StrList = []
    country: str
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    kind: Literal["city", "terminal", "port", "border", "hub", "field"]
    locode: OptStr = None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return _country_code(value)

    @field_validator("locode")
    @classmethod
    def _locode(cls, value: str | None) -> str | None:
        if value is not None and not _LOCODE.match(value):
            raise ValueError(f"{value!r} is not a UN/LOCODE (5 characters, e.g. KZAKX)")
        return value


class Link(_Record):
    """A connection between two places by one mode (and gauge, for rail)."""

    id: Id
    from_: str = Field(alias="from")
    to: str
    mode: Literal["rail", "road", "ferry", "feeder", "sea", "barge", "pipeline", "fiber"]
    gauge: Annotated[int | None, BeforeValidator(_blank_to_none)] = None
    distance_km: float = Field(gt=0)
    speed_kmh: OptFloat = Field(default=None, gt=0)
    hours: OptFloat = Field(default=None, ge=0)
    tariff_usd: OptFloat = Field(default=None, ge=0)
    tariff_low_usd: OptFloat = Field(default=None, ge=0)
    tariff_high_usd: OptFloat = Field(default=None, ge=0)
    tariff_unit: Annotated[Literal["FEU", "TEU", "t"] | None, BeforeValidator(_blank_to_none)] = None
    tariff_as_of: OptStr = None
    capacity_per_year: OptFloat = Field(default=None, ge=0)
    capacity_unit: Annotated[Literal["TEU", "t", "trains", "wagons"] | None, BeforeValidator(_blank_to_none)] = None
    commodities: StrList = []
    corridors: StrList = []
    passages: StrList = []
    via_countries: StrList = []
    emission_factor: OptStr = None
    bidirectional: Flag = True

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    @field_validator("commodities")
    @classmethod
    def _commodities(cls, value: list[str]) -> list[str]:
        return _check_subset(value, COMMODITIES, "commodity")

    @field_validator("passages")
    @classmethod
    def _passages(cls, value: list[str]) -> list[str]:
        return _check_subset(value, PASSAGES, "passage")

    @field_validator("via_countries")
    @classmethod
    def _via(cls, value: list[str]) -> list[str]:
        return _check_subset(value, COUNTRIES, "country code")

    @field_validator("tariff_as_of")
    @classmethod
    def _tariff_date(cls, value: str | None) -> str | None:
        if value is not None and not _DATE.match(value):
            raise ValueError(f"{value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
        return value

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


class Transfer(_Record):
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
    commodities: StrList = []
    emission_factor: OptStr = None
    bidirectional: Flag = True
    #: How the dwell varies from shipment to shipment (the reliability engine); triangular on low/typical/high.
    distribution: Distribution = "triangular"
    #: Observed dwell times in hours, for ``distribution = empirical``.
    hours_samples: FloatList = []

    @field_validator("from_layer", "to_layer")
    @classmethod
    def _layer(cls, value: str) -> str:
        return _check_subset([value], LAYERS, "layer")[0]

    @field_validator("commodities")
    @classmethod
    def _commodities(cls, value: list[str]) -> list[str]:
        return _check_subset(value, COMMODITIES, "commodity")

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


class Service(_Record):
    """A scheduled service that runs on one or more links (ferry sailings, feeders, block trains)."""

    id: Id
    links: StrList = Field(min_length=1)
    departures_per_week: float = Field(gt=0)
    capacity_per_departure: float = Field(gt=0)
    capacity_unit: Literal["TEU", "t", "trains", "wagons"]
    max_wait_hours: OptFloat = Field(default=None, gt=0)
    weekdays: StrList = []
    #: ``timetable``: departures at fixed times (``weekdays`` at ``departure_hour``, or evenly spaced from
    #: Monday 00:00 UTC); ``when_full``: the vessel or train leaves when loaded, after ``max_wait_hours`` at most.
    departs: Annotated[Literal["timetable", "when_full"], BeforeValidator(lambda v: v or "timetable")] = "timetable"
    departure_hour: FiniteFloat = Field(default=0.0, ge=0, lt=24)

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: list[str]) -> list[str]:
        _check_subset(value, WEEKDAYS, "weekday")
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


class Weather(_Record):
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
    hours_samples: FloatList = []

    @field_validator("months")
    @classmethod
    def _months(cls, value: list[str]) -> list[str]:
        full = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december")  # fmt: skip
        value = [MONTHS[full.index(v.lower())] if v.lower() in full else v[:1].upper() + v[1:].lower() for v in value]
        _check_subset(value, MONTHS, "month")
        twice = sorted({v for v in value if value.count(v) > 1})
        if twice:
            raise ValueError(f"listed more than once: {', '.join(map(repr, twice))}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Weather:
        _check_range(self, "hours_typical", "hours_low", "hours_high")
        check_distribution(self.distribution, self.hours_low, self.hours_typical, self.hours_high, self.hours_samples)
        return self


class Berth(_Record):
    """Vessel berths of a port for some services, and the hours a vessel spends at one per call."""

    id: Id
    place: str
    services: StrList = Field(min_length=1)
    berths: int = Field(ge=1)
    hours_low: FiniteFloat = Field(ge=0)
    hours_typical: FiniteFloat = Field(ge=0)
    hours_high: FiniteFloat = Field(ge=0)
    distribution: Distribution = "triangular"
    hours_samples: FloatList = []

    @model_validator(mode="after")
    def _consistent(self) -> Berth:
        _check_range(self, "hours_typical", "hours_low", "hours_high")
        check_distribution(self.distribution, self.hours_low, self.hours_typical, self.hours_high, self.hours_samples)
        return self


class Delay(_Record):
    """How running times vary: a factor on the scheduled running time of links by mode, country or id.

    A row applies to the links it lists, or else to links of its ``modes`` whose two ends lie in ``countries``
    (any country if empty). The most specific row wins: links, then modes with countries, then modes alone.
    """

    id: Id
    modes: StrList = []
    countries: StrList = []
    links: StrList = []
    factor_low: FiniteFloat = Field(gt=0)
    factor_typical: FiniteFloat = Field(gt=0)
    factor_high: FiniteFloat = Field(gt=0)
    distribution: Distribution = "triangular"
    hours_samples: FloatList = []

    @field_validator("modes")
    @classmethod
    def _modes(cls, value: list[str]) -> list[str]:
        return _check_subset(value, FREIGHT_MODES, "mode")

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        return _check_subset(value, COUNTRIES, "country code")

    @model_validator(mode="after")
    def _consistent(self) -> Delay:
        if not self.modes and not self.links:
            raise ValueError("modes: give the modes or the links the factor applies to")
        if self.links and (self.modes or self.countries):
            raise ValueError("links: give either links, or modes (and countries), not both")
        _check_range(self, "factor_typical", "factor_low", "factor_high")
        if self.distribution == "empirical":
            raise ValueError("distribution: running-time factors are triangular, lognormal or uniform")
        check_distribution(self.distribution, self.factor_low, self.factor_typical, self.factor_high, [])
        return self

    @property
    def specificity(self) -> int:
        """2 for a row naming links, 1 for modes with countries, 0 for modes alone."""
        return 2 if self.links else 1 if self.countries else 0


class EmissionFactor(_Record):
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


def normalize_avoid_token(token: str) -> str:
    """One avoid token as ``routing.parse_avoid`` reads it: a passage or mode (lower case) or a country (ISO code).

    Raises
    ------
    ValueError
        For a token that is none of them, with the valid choices.
    """
    text = token.strip()
    if text.lower() in PASSAGES or text.lower() in FREIGHT_MODES:
        return text.lower()
    if len(text) == 2 and text.upper() in COUNTRIES:
        return text.upper()
    raise ValueError(
        f"cannot avoid {token!r}: not an ISO country code (e.g. RU, IR), a passage "
        f"({', '.join(PASSAGES)}) or a mode ({', '.join(FREIGHT_MODES)})"
    )


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_range(record: BaseModel, column: str, low_column: str, high_column: str) -> None:
    low, typical, high = (getattr(record, c) for c in (low_column, column, high_column))
    if (low is not None and low > typical) or (high is not None and high < typical):
        raise ValueError(f"{column}: need {low_column} <= {column} <= {high_column}, got {low}, {typical}, {high}")


class Capacity(_Record):
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
    commodities: StrList = []
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
        if _blank(out.get("alpha")):
            out["alpha"] = alpha
        if vdf == "conical":
            # Spiess (1990): b = (2a - 1) / (2a - 2) makes the delay zero at x = 0.
            try:
                a = float(out["alpha"])
            except (TypeError, ValueError):
                a = float("nan")
            out["beta"] = (2 * a - 1) / (2 * a - 2) if a > 1 and a != float("inf") else 0.0
        elif _blank(out.get("beta")):
            out["beta"] = beta
        return out

    @field_validator("commodities")
    @classmethod
    def _commodities(cls, value: list[str]) -> list[str]:
        return _check_subset(value, COMMODITIES, "commodity")

    @field_validator("elements")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        twice = sorted({v for v in value if value.count(v) > 1})
        if twice:
            raise ValueError(f"listed more than once: {', '.join(map(repr, twice))}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Capacity:
        _check_range(self, "capacity_per_year", "capacity_low", "capacity_high")
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


class DemandRecord(_Record):
    """Annual freight demand of one origin-destination pair, commodity and year, and what its shippers avoid."""

    id: Id
    origin: str
    destination: str
    commodity: Literal["container", "dry_bulk", "liquid_bulk"]
    year: int = Field(ge=1900, le=2100)
    tonnes_per_year: FiniteFloat = Field(ge=0)
    tonnes_low: OptFiniteFloat = Field(default=None, ge=0)
    tonnes_high: OptFiniteFloat = Field(default=None, ge=0)
    avoid: StrList = []

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
        _check_range(self, "tonnes_per_year", "tonnes_low", "tonnes_high")
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


# --- layers: crude oil and data, on the places of the same network ---------------------------------------------------


class OilNode(_Record):
    """A node of the crude-oil layer: a field (with its production), a junction, an export terminal or a market.

    ``place`` names the freight network's place at the same spot (Aktau, Batumi, ...), when there is one.
    """

    id: Id
    name: str = Field(min_length=1)
    aliases: StrList = []
    kind: Literal["field", "junction", "terminal", "market"]
    country: str
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    place: OptStr = None
    production_mt: OptFiniteFloat = Field(default=None, ge=0)
    production_low_mt: OptFiniteFloat = Field(default=None, ge=0)
    production_high_mt: OptFiniteFloat = Field(default=None, ge=0)
    throughput_mt: OptFiniteFloat = Field(default=None, ge=0)
    fee_usd_per_t: FiniteFloat = Field(default=0.0, ge=0)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return _country_code(value)

    @model_validator(mode="after")
    def _consistent(self) -> OilNode:
        if self.kind == "field" and self.production_mt is None:
            raise ValueError("production_mt: a field needs its production (Mt a year)")
        if self.kind != "field" and self.production_mt is not None:
            raise ValueError(f"production_mt: only fields produce, this is a {self.kind}")
        if self.production_mt is not None:
            _check_range(self, "production_mt", "production_low_mt", "production_high_mt")
        return self


class OilLink(_Record):
    """A leg of the crude-oil layer: a pipeline, a tanker crossing or rail tank cars, one way, with the capacity
    open to the crude modelled (``capacity_mt`` less ``other_use_mt``) and the tariff per tonne."""

    id: Id
    from_: str = Field(alias="from")
    to: str
    mode: Literal["pipeline", "tanker", "rail"]
    system: str = Field(min_length=1)
    distance_km: FiniteFloat = Field(gt=0)
    days: OptFiniteFloat = Field(default=None, ge=0)
    capacity_mt: FiniteFloat = Field(ge=0)
    capacity_low_mt: OptFiniteFloat = Field(default=None, ge=0)
    capacity_high_mt: OptFiniteFloat = Field(default=None, ge=0)
    other_use_mt: FiniteFloat = Field(default=0.0, ge=0)
    tariff_usd_per_t: FiniteFloat = Field(ge=0)
    tariff_low_usd_per_t: OptFiniteFloat = Field(default=None, ge=0)
    tariff_high_usd_per_t: OptFiniteFloat = Field(default=None, ge=0)
    tariff_as_of: OptStr = None
    countries: StrList = Field(min_length=1)
    feeder: Flag = False

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        return _check_subset(value, COUNTRIES, "country code")

    @model_validator(mode="after")
    def _consistent(self) -> OilLink:
        _check_range(self, "capacity_mt", "capacity_low_mt", "capacity_high_mt")
        _check_range(self, "tariff_usd_per_t", "tariff_low_usd_per_t", "tariff_high_usd_per_t")
        if self.other_use_mt > self.capacity_mt:
            raise ValueError(f"other_use_mt: {self.other_use_mt} is more than capacity_mt {self.capacity_mt}")
        if self.from_ == self.to:
            raise ValueError(f"to: a link cannot start and end at {self.to!r}")
        return self

    @property
    def open_mt(self) -> float:
        """Capacity open to the crude modelled: capacity less what other shippers use."""
        return self.capacity_mt - self.other_use_mt


class FiberNode(_Record):
    """A node of the data layer: an interconnection hub, a cable landing point or a junction of terrestrial routes."""

    id: Id
    name: str = Field(min_length=1)
    aliases: StrList = []
    kind: Literal["hub", "landing", "junction"]
    region: Literal["europe", "turkiye", "caucasus", "central-asia", "russia", "middle-east", "south-asia", "east-asia"]
    country: str
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    place: OptStr = None

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return _country_code(value)


class FiberLink(_Record):
    """A fiber section between two nodes (both ways): its system, length (given, or great-circle distance times
    ``route_factor``), capacity, status and the equipment delay one way."""

    id: Id
    from_: str = Field(alias="from")
    to: str
    system: str = Field(min_length=1)
    kind: Literal["terrestrial", "submarine"]
    via: OptStr = None
    length_km: OptFiniteFloat = Field(default=None, gt=0)
    route_factor: OptFiniteFloat = Field(default=None, ge=1)
    capacity_tbps: FiniteFloat = Field(ge=0)
    status: Literal["operational", "planned", "proposed"]
    ready: OptStr = None
    countries: StrList = Field(min_length=1)
    equipment_ms: FiniteFloat = Field(default=0.1, ge=0)

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        return _check_subset(value, COUNTRIES, "country code")

    @field_validator("ready")
    @classmethod
    def _ready(cls, value: str | None) -> str | None:
        if value is not None and not _DATE.match(value):
            raise ValueError(f"{value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> FiberLink:
        if self.length_km is None and self.route_factor is None:
            raise ValueError("length_km: give length_km, or route_factor to scale the great-circle distance")
        if self.from_ == self.to:
            raise ValueError(f"to: a link cannot start and end at {self.to!r}")
        return self


class FiberRtt(_Record):
    """A published round-trip time between two nodes of the data layer: what the latency model is checked against."""

    id: Id
    from_: str = Field(alias="from")
    to: str
    rtt_ms: FiniteFloat = Field(gt=0)
    rtt_low_ms: OptFiniteFloat = Field(default=None, gt=0)
    rtt_high_ms: OptFiniteFloat = Field(default=None, gt=0)
    via: OptStr = None
    path: OptStr = None

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    @model_validator(mode="after")
    def _consistent(self) -> FiberRtt:
        _check_range(self, "rtt_ms", "rtt_low_ms", "rtt_high_ms")
        return self
