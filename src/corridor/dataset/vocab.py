"""Every vocabulary of a corridor dataset once: modes, layers, passages, commodities, units, countries, months."""

from __future__ import annotations

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
    "FREIGHT_MODES",
    "GAUGES",
    "LAYERS",
    "MODES",
    "MONTHS",
    "OIL_MODES",
    "OIL_NODE_KINDS",
    "PASSAGES",
    "PLACE_KINDS",
    "QUALITY",
    "TARIFF_UNITS",
    "TRANSFER_KINDS",
    "UNIT_PAYLOAD_KEYS",
    "VDFS",
    "VDF_DEFAULTS",
    "WEEKDAYS",
    "normalize_avoid_token",
]

#: Modes of transport and communication. ``sea`` is deep-sea, ``feeder`` short-sea, ``ferry`` ro-ro or rail ferry.
MODES = ("rail", "road", "ferry", "feeder", "sea", "barge", "pipeline", "fiber")
#: Modes that carry freight (fiber carries data and is left out of freight routing).
FREIGHT_MODES = ("rail", "road", "ferry", "feeder", "sea", "barge", "pipeline")
#: Modes that call at a port: its water links (the volume through a port counts these).
WATER_MODES = ("ferry", "feeder", "sea")
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
# fmt: off
COUNTRIES = frozenset([
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB",
    "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY",
    "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX",
    "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK",
    "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS",
    "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR",
    "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA",
    "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE",
    "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
    "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG",
    "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF",
    "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY",
    "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
])
# fmt: on


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
