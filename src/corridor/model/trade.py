"""Demand that follows trade: a gravity model of the published trade, turned into tonnes on the dataset's OD rows.

The trade tables of a dataset (``trade.csv`` and its companions, see docs/data.md) give the value of the goods
that region ``i`` exports to region ``j`` by year. A gravity model is fitted to them by Poisson pseudo-maximum
likelihood (PPML, Santos Silva and Tenreyro 2006) with statsmodels' GLM:

    E[X_ij,t] = exp(b0 + b_Y ln(GDP_i,t x GDP_j,t) + b_D ln dist_ij + a_i + g_j)

(exporter and importer effects ``a_i`` and ``g_j``; robust HC1 covariance; one elasticity on the product of the
two GDPs, as separate ones come out implausible on these data: see docs/model.md). A flow's value in a year
without a published figure is the nearest earlier published value (the first one when going back) scaled by the
model: ``X_ij,t = X_ij,ref x exp(b_Y (dlnGDP_i + dlnGDP_j))``; the effects and the distance cancel. Future GDP grows
by the real rates of ``gdp_growth.csv`` (low, central, high), so future values are at the prices of the last
published year. Tonnes are ``share x value x mix x kg per USD``: the commodity's part of the value
(``trade_mix.csv``), its weight (``tonnes_per_usd.csv``) and the part the dataset's demand rows carry
(``trade_shares.csv``). Those tonnes are spread over the OD rows of the base year (the last year with trade) in
proportion to their tonnes, within each region pair and commodity. ``tonnes_low`` and ``tonnes_high`` take the low
and high GDP cases and a 90% interval of the fitted elasticities, times the range of the base row.
The formulas and the fitted numbers are in docs/model.md ("Trade-driven demand").
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from corridor.dataset.records import DemandRecord
from corridor.errors import InvalidOptionError

if TYPE_CHECKING:
    from corridor.dataset.network import Network
    from corridor.dataset.trade_records import TradeShare

__all__ = [
    "CASES",
    "GravityFit",
    "demand_of_year",
    "fit_gravity",
    "gravity_design",
    "reference_year",
    "region_of_place",
    "trade_years",
]

Case = Literal["low", "central", "high"]
CASES: tuple[Case, ...] = ("low", "central", "high")
#: Half-width of the interval on the fitted elasticities, in standard errors (a two-sided 90% interval).
Z_90 = 1.6448536269514722
_EARTH_RADIUS_KM = 6371.0088
_GDP_TERMS = ("ln_gdp_product",)


@dataclass(frozen=True)
class GravityFit:
    """A fitted PPML gravity model: coefficients, their robust covariance and fit statistics."""

    names: tuple[str, ...]
    params: NDArray[np.float64] = field(repr=False)
    cov: NDArray[np.float64] = field(repr=False)
    observations: int
    flows: int
    deviance: float
    null_deviance: float
    log_likelihood: float

    @property
    def pseudo_r2(self) -> float:
        """Share of the null deviance the model explains (1 - deviance / null deviance)."""
        return 1.0 - self.deviance / self.null_deviance if self.null_deviance > 0 else float("nan")

    def coefficient(self, name: str) -> float:
        """The coefficient of ``name`` (``const``, ``ln_gdp_product``, ``ln_distance_km``, ``exporter[cn]``, ...)."""
        return float(self.params[self.names.index(name)])

    def std_error(self, name: str) -> float:
        """The robust (HC1) standard error of the coefficient of ``name``."""
        i = self.names.index(name)
        return float(math.sqrt(max(self.cov[i, i], 0.0)))

    def gdp_block(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The GDP elasticities and their covariance (one term: the product of the two GDPs)."""
        idx = [self.names.index(name) for name in _GDP_TERMS]
        return self.params[idx], self.cov[np.ix_(idx, idx)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "coefficients": {
                name: {"estimate": round(float(p), 6), "std_error": round(self.std_error(name), 6)}
                for name, p in zip(self.names, self.params, strict=True)
            },
            "observations": self.observations,
            "flows": self.flows,
            "deviance": round(self.deviance, 6),
            "null_deviance": round(self.null_deviance, 6),
            "pseudo_r2": round(self.pseudo_r2, 6),
            "log_likelihood": round(self.log_likelihood, 6),
        }


# --- the fit ------------------------------------------------------------------------------------------------------


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def gravity_design(network: Network) -> tuple[NDArray[np.float64], NDArray[np.float64], tuple[str, ...], int]:
    """The PPML problem of the network's trade: values (USD billion), regressors, their names, and the flows.

    A trade record enters when both regions have GDP that year. Columns: a constant, ln of the product of the
    exporter's and the importer's GDP, ln great-circle distance between the regions' points, and exporter and
    importer effects (the first region of each, alphabetically, is the reference).
    """
    point = {r.id: (r.lat, r.lon) for r in network.trade_regions}
    gdp = {(g.region, g.year): g.gdp_busd for g in network.gdp}
    records = [t for t in network.trade if (t.exporter, t.year) in gdp and (t.importer, t.year) in gdp]
    exporters = sorted({t.exporter for t in records})
    importers = sorted({t.importer for t in records})
    names = (
        "const",
        *_GDP_TERMS,
        "ln_distance_km",
        *(f"exporter[{r}]" for r in exporters[1:]),
        *(f"importer[{r}]" for r in importers[1:]),
    )
    y = np.array([t.value_musd / 1000.0 for t in records], dtype=float)
    x = np.zeros((len(records), len(names)))
    for n, t in enumerate(records):
        x[n, 0] = 1.0
        x[n, 1] = math.log(gdp[(t.exporter, t.year)]) + math.log(gdp[(t.importer, t.year)])
        x[n, 2] = math.log(_distance_km(point[t.exporter], point[t.importer]))
        if t.exporter != exporters[0]:
            x[n, names.index(f"exporter[{t.exporter}]")] = 1.0
        if t.importer != importers[0]:
            x[n, names.index(f"importer[{t.importer}]")] = 1.0
    flows = len({(t.exporter, t.importer) for t in records})
    return y, x, names, flows


def ppml(y: NDArray[np.float64], x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64], Any]:
    """Poisson pseudo-maximum likelihood of ``y`` on ``x`` (statsmodels GLM, HC1 covariance): params, cov, result."""
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

    with warnings.catch_warnings():
        # Values are not counts: statsmodels' domain warning for non-integer Poisson data does not apply to PPML.
        warnings.simplefilter("ignore")
        result = GLM(y, x, family=Poisson()).fit(cov_type="HC1", maxiter=200, tol=1e-12)
    params = np.asarray(result.params, dtype=float)
    cov = np.asarray(result.cov_params(), dtype=float)
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(cov))):
        raise InvalidOptionError("The gravity model of the trade tables has no finite fit (collinear regressors?).")
    return params, cov, result


def fit_gravity(network: Network) -> GravityFit:
    """The PPML gravity model of the network's trade tables, fitted once per Network.

    Raises
    ------
    InvalidOptionError
        If the network has no trade tables, or too few records to fit.
    """
    cache = network.__dict__
    fit = cache.get("_gravity_fit")
    if isinstance(fit, GravityFit):
        return fit
    _require_trade(network)
    y, x, names, flows = gravity_design(network)
    if len(y) <= len(names):
        raise InvalidOptionError(
            f"The gravity model needs more trade records than its {len(names)} coefficients; "
            f"trade.csv has {len(y)} with GDP for both regions."
        )
    params, cov, result = ppml(y, x)
    fit = GravityFit(
        names=names,
        params=params,
        cov=cov,
        observations=len(y),
        flows=flows,
        deviance=float(result.deviance),
        null_deviance=float(result.null_deviance),
        log_likelihood=float(result.llf),
    )
    cache["_gravity_fit"] = fit
    return fit


# --- years, GDP and values ----------------------------------------------------------------------------------------


def _require_trade(network: Network) -> None:
    if not (network.trade and network.gdp and network.trade_shares):
        raise InvalidOptionError(
            "This dataset has no trade tables (trade.csv, gdp.csv, trade_shares.csv, ...), so demand cannot be "
            "generated from trade; see docs/data.md."
        )


def trade_years(network: Network) -> tuple[int, int]:
    """The first and last year demand can be generated for: from the first GDP year to the last growth year."""
    _require_trade(network)
    first = min(g.year for g in network.gdp)
    last = max([g.year for g in network.gdp] + [g.last_year for g in network.gdp_growth])
    return first, last


def base_year(network: Network) -> int:
    """The last year with published trade: its demand rows give the OD pattern."""
    _require_trade(network)
    return max(t.year for t in network.trade)


class _Economy:
    """GDP of every region by year and case: published, then grown by the assumptions of gdp_growth.csv."""

    def __init__(self, network: Network) -> None:
        self.gdp = {(g.region, g.year): g.gdp_busd for g in network.gdp}
        self.last: dict[str, int] = {}
        for g in network.gdp:
            self.last[g.region] = max(self.last.get(g.region, g.year), g.year)
        self.growth: dict[tuple[str, int], tuple[float, float, float]] = {}
        for row in network.gdp_growth:
            for year in range(row.first_year, row.last_year + 1):
                self.growth[(row.region, year)] = (row.growth_low_pct, row.growth_pct, row.growth_high_pct)

    def ln_gdp(self, region: str, year: int, case: Case) -> float:
        if (region, year) in self.gdp:
            return math.log(self.gdp[(region, year)])
        last = self.last.get(region)
        if last is None or year < last:
            raise InvalidOptionError(f"No GDP of region {region!r} for {year} in gdp.csv.")
        value = math.log(self.gdp[(region, last)])
        for t in range(last + 1, year + 1):
            if (region, t) not in self.growth:
                raise InvalidOptionError(f"No GDP growth assumption of region {region!r} for {t} in gdp_growth.csv.")
            value += math.log1p(self.growth[(region, t)][CASES.index(case)] / 100.0)
        return value


@dataclass(frozen=True)
class FlowValue:
    """The value of one trade flow in one year (USD million): in a case, and its low and high bounds."""

    value: float
    low: float
    high: float
    reference_year: int


def flow_value(
    network: Network, exporter: str, importer: str, year: int, case: Case = "central", *, fit: GravityFit | None = None
) -> FlowValue:
    """The value of the trade from ``exporter`` to ``importer`` in ``year``: published, or extended by the model."""
    published = {t.year: t.value_musd for t in network.trade if t.exporter == exporter and t.importer == importer}
    if not published:
        raise InvalidOptionError(f"No trade from {exporter!r} to {importer!r} in trade.csv.")
    if year in published:
        v = published[year]
        return FlowValue(v, v, v, year)
    earlier = [y for y in published if y < year]
    ref = max(earlier) if earlier else min(published)
    fit = fit_gravity(network) if fit is None else fit
    beta, cov = fit.gdp_block()
    economy = _Economy(network)

    def delta(c: Case) -> NDArray[np.float64]:
        exporter_change = economy.ln_gdp(exporter, year, c) - economy.ln_gdp(exporter, ref, c)
        return np.array([exporter_change + economy.ln_gdp(importer, year, c) - economy.ln_gdp(importer, ref, c)])

    def sd(d: NDArray[np.float64]) -> float:
        return math.sqrt(max(float(d @ cov @ d), 0.0))

    d_case, d_low, d_high = delta(case), delta("low"), delta("high")
    v_ref = published[ref]
    value = v_ref * math.exp(float(beta @ d_case))
    low = v_ref * math.exp(float(beta @ d_low) - Z_90 * sd(d_low))
    high = v_ref * math.exp(float(beta @ d_high) + Z_90 * sd(d_high))
    return FlowValue(value, min(low, value), max(high, value), ref)


def _kg_per_usd(network: Network, commodity: str, year: int) -> float:
    """Weight of a USD of ``commodity`` in ``year``; after the base year, at the base year's prices."""
    year = min(year, base_year(network))
    rows = [r for r in network.tonnes_per_usd if r.commodity == commodity]
    exact = [r for r in rows if r.year == year]
    general = [r for r in rows if r.year is None]
    if exact:
        return exact[0].kg_per_usd
    if general:
        return general[0].kg_per_usd
    raise InvalidOptionError(f"No weight per USD of {commodity} for {year} in tonnes_per_usd.csv.")


# --- demand -------------------------------------------------------------------------------------------------------


def region_of_place(network: Network) -> dict[str, str]:
    """The trade region of every place whose country belongs to one (place id -> region id)."""
    region_of_country = {c: r.id for r in network.trade_regions for c in r.countries}
    return {p.id: region_of_country[p.country] for p in network.places if p.country in region_of_country}


def _check_year(network: Network, year: int, case: str) -> None:
    if case not in CASES:
        raise InvalidOptionError(f"Unknown case {case!r}; valid: {', '.join(CASES)}.")
    first, last = trade_years(network)
    if isinstance(year, bool) or not isinstance(year, int) or not first <= year <= last:
        raise InvalidOptionError(f"No trade-driven demand for {year!r}: the years {first}-{last} exist.")


def reference_year(network: Network, year: int) -> int:
    """The demand table's year whose OD rows carry ``year``: the year itself when the table has rows for it, else
    the latest earlier year with rows, else the first (going back).

    Raises
    ------
    InvalidOptionError
        When the demand table has no rows at all.
    """
    years = sorted(network.demand_years)
    if not years:
        raise InvalidOptionError("Generating demand needs demand rows of some year; the demand table has none.")
    earlier = [y for y in years if y <= year]
    return earlier[-1] if earlier else years[0]


def demand_of_year(network: Network, year: int, *, case: str = "central") -> tuple[DemandRecord, ...]:
    """Demand records of ``year`` generated from trade (see the module docstring), one per OD row of the reference
    year (:func:`reference_year`): each row times the trade-driven tonnes of its region pair and commodity in
    ``year`` over those of the reference year. A year the table has gives the table's rows.

    Parameters
    ----------
    network
        A network with trade tables and demand rows.
    year
        Any year from the first GDP year to the last year of the growth assumptions.
    case
        The GDP path of ``tonnes_per_year``: ``low``, ``central`` or ``high``. ``tonnes_low`` and ``tonnes_high``
        always take the low and high paths with the fit's 90% interval.

    Raises
    ------
    InvalidOptionError
        Naming the years that exist, the valid cases, or what the trade tables lack.
    """
    _check_year(network, year, case)
    ref = reference_year(network, year)
    rows = network.demand_of_year(ref)
    fit = fit_gravity(network)
    region = region_of_place(network)
    share_of: dict[tuple[str, str, str], TradeShare] = {
        (s.origin, s.destination, s.commodity): s for s in network.trade_shares
    }
    mix_of: dict[tuple[str, str, str], float] = {
        (m.exporter, m.importer, m.commodity): m.share for m in network.trade_mix
    }
    keys = {(region.get(row.origin, ""), region.get(row.destination, ""), row.commodity) for row in rows}
    ratios: dict[tuple[str, str, str], tuple[float, float, float, str]] = {}
    for key in sorted(keys):
        share = share_of.get(key)
        if share is None:
            continue
        # tonnes per USD million of the driving flow: share x mix x weight (the weight of the year's prices)
        per_usd = share.share * mix_of.get((share.exporter, share.importer, key[2]), 0.0)
        at_year = per_usd * _kg_per_usd(network, key[2], year)
        at_ref = per_usd * _kg_per_usd(network, key[2], ref)
        then = flow_value(network, share.exporter, share.importer, ref, "central", fit=fit).value * at_ref
        if then <= 0:
            continue
        flow = flow_value(network, share.exporter, share.importer, year, case_of(case), fit=fit)  # USD million
        how = (
            f"{share.exporter}->{share.importer} published for {year}"
            if flow.reference_year == year
            else f"{share.exporter}->{share.importer} of {flow.reference_year} scaled by the gravity model's GDP terms"
        )
        ratios[key] = (flow.value * at_year / then, flow.low * at_year / then, flow.high * at_year / then, how)
    return tuple(_generated(row, year, case, region, ref, ratios) for row in rows)


def case_of(case: str) -> Case:
    """``case`` as a Case (after :func:`_check_year` has checked it)."""
    for c in CASES:
        if c == case:
            return c
    raise InvalidOptionError(f"Unknown case {case!r}; valid: {', '.join(CASES)}.")


def _generated(
    row: DemandRecord,
    year: int,
    case: str,
    region: Mapping[str, str],
    ref: int,
    ratios: Mapping[tuple[str, str, str], tuple[float, float, float, str]],
) -> DemandRecord:
    """One row of the reference year ``ref`` carried to ``year`` by its region pair's trade ratios."""
    key = (region.get(row.origin, ""), region.get(row.destination, ""), row.commodity)
    prefix = f"{ref}-"
    rest = row.id[len(prefix) :] if row.id.startswith(prefix) else row.id
    typical = row.tonnes_per_year
    low_ratio = (row.tonnes_low / typical) if row.tonnes_low is not None and typical > 0 else 1.0
    high_ratio = (row.tonnes_high / typical) if row.tonnes_high is not None and typical > 0 else 1.0
    if key in ratios:
        central, low, high, how = ratios[key]
        tonnes, tonnes_low, tonnes_high = typical * central, typical * low * low_ratio, typical * high * high_ratio
        note = (
            f"Generated from trade ({case} GDP case): row {row.id} times {central:.3f}, the {key[0]}->{key[1]} "
            f"{key[2]} tonnes of {year} over those of {ref}, from the trade of {how}."
        )
    else:
        tonnes, tonnes_low, tonnes_high = typical, typical * low_ratio, typical * high_ratio
        note = f"No trade driver for {key[0] or '?'}->{key[1] or '?'} {row.commodity}: held at row {row.id}."
    return DemandRecord.model_validate(
        {
            "id": f"{year}-{rest}",
            "origin": row.origin,
            "destination": row.destination,
            "commodity": row.commodity,
            "year": year,
            "tonnes_per_year": tonnes,
            "tonnes_low": min(tonnes_low, tonnes),
            "tonnes_high": max(tonnes_high, tonnes),
            "avoid": list(row.avoid),
            "source": list(dict.fromkeys([*row.source, "estimate"])),
            "as_of": str(year),
            "estimated": True,
            "note": note,
        }
    )


def region_pair_totals(
    network: Network, records: Sequence[DemandRecord]
) -> dict[tuple[str, str, str], tuple[float, float, float]]:
    """Tonnes (typical, low, high) of ``records`` summed by origin region, destination region and commodity."""
    region = region_of_place(network)
    out: dict[tuple[str, str, str], tuple[float, float, float]] = {}
    for rec in records:
        key = (region.get(rec.origin, "?"), region.get(rec.destination, "?"), rec.commodity)
        t, lo, hi = out.get(key, (0.0, 0.0, 0.0))
        low = rec.tonnes_low if rec.tonnes_low is not None else rec.tonnes_per_year
        high = rec.tonnes_high if rec.tonnes_high is not None else rec.tonnes_per_year
        out[key] = (t + rec.tonnes_per_year, lo + low, hi + high)
    return out
