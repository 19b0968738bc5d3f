"""The power layer: a two-node network dispatched by hand (merit order, a line limit, losses, curtailment, a market),
the embedded layer of a year, its scenarios, its export for PyPSA, and the messages of bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import corridor
from corridor.dataset.network import Network
from corridor.errors import DatasetError, InvalidOptionError, UnknownElementError
from corridor.layers.power import electric_rail_factors, power_system, solve_power, with_grid_factors

PROV = {"source": "toy", "as_of": "2024"}
HOURS = 8760.0  # the toy's seasons stand for 90 + 92 + 92 + 91 = 365 days
DAYS = {"winter": 90, "spring": 92, "summer": 92, "autumn": 91}


def _toy_power(
    *, load_a: float = 50, load_b: float = 80, line_mw: float = 30, loss: float = 0.0, wind_b: float = 0.0
) -> Callable[[dict[str, list[dict[str, Any]]], dict[str, Any]], None]:
    """Node A: 100 MW at 10 USD/MWh (800 g/kWh); node B: 100 MW at 50 USD/MWh (400 g/kWh), and ``wind_b`` MW of
    wind blowing flat out; one line A-B of ``line_mw``; flat loads of ``load_a`` and ``load_b`` MW all year."""

    def edit(tables: dict[str, list[dict[str, Any]]], _info: dict[str, Any]) -> None:
        node = {"kind": "grid", "country": "KZ", "lat": 45.0, "lon": 50.0, **PROV}
        tables["power_nodes.csv"] = [{**node, "id": "a", "name": "Alpha"}, {**node, "id": "b", "name": "Beta"}]
        flat = ";".join(["1"] * 24)
        tables["power_profiles.csv"] = [
            {"id": f"{p}-{s}", "profile": p, "kind": k, "season": s, "days": d, "values": flat, **PROV}
            for p, k in (("flat", "capacity_factor"), ("flat-load", "demand"))
            for s, d in DAYS.items()
        ]
        plant = {"status": "operational", "profile": "flat", **PROV}
        tables["power_plants.csv"] = [
            {**plant, "id": "cheap", "name": "Cheap", "node": "a", "technology": "coal", "capacity_mw": 100,
             "marginal_cost_usd_per_mwh": 10, "co2e_g_per_kwh": 800},
            {**plant, "id": "dear", "name": "Dear", "node": "b", "technology": "gas", "capacity_mw": 100,
             "marginal_cost_usd_per_mwh": 50, "co2e_g_per_kwh": 400},
        ]  # fmt: skip
        if wind_b:
            tables["power_plants.csv"].append(
                {**plant, "id": "wind", "name": "Wind", "node": "b", "technology": "wind", "capacity_mw": wind_b,
                 "marginal_cost_usd_per_mwh": 0, "co2e_g_per_kwh": 11}
            )  # fmt: skip
        tables["power_lines.csv"] = [
            {"id": "ab", "name": "A-B", "from": "a", "to": "b", "kind": "ac", "capacity_mw": line_mw,
             "loss_fraction": loss, "status": "operational", "countries": "KZ", **PROV}
        ]  # fmt: skip
        tables["power_demand.csv"] = [
            {"id": f"{n}-2030", "node": n, "year": 2030, "energy_twh": mw * HOURS / 1e6, "profile": "flat-load", **PROV}
            for n, mw in (("a", load_a), ("b", load_b))
        ]

    return edit


@pytest.fixture
def power_toy(make_dataset: Callable[..., Path]) -> Network:
    return corridor.load_network(make_dataset(_toy_power()))


def test_merit_order_and_line_limit_solved_by_hand(power_toy: Network) -> None:
    r = solve_power(power_toy, year=2030)
    # A's cheap plant serves A (50 MW) and fills the line (30 MW); B's dear plant serves the other 50 MW of B
    assert r.generation_twh == {"a": {"coal": pytest.approx(80 * HOURS / 1e6)}, "b": {"gas": pytest.approx(0.438)}}
    (flow,) = r.flows
    assert flow.forward_twh == pytest.approx(30 * HOURS / 1e6) and flow.backward_twh == pytest.approx(0)
    assert flow.hours_at_limit == pytest.approx(HOURS) and flow.utilisation == pytest.approx(1)
    # each node's price is its marginal plant's cost: the line is congested
    assert r.price_usd_per_mwh == pytest.approx({"a": 10, "b": 50})
    # cost: 80 MW at 10 + 50 MW at 50 + 30 MW over the line at the 0.5 USD wheeling charge, all year
    assert r.objective_usd == pytest.approx((80 * 10 + 50 * 50 + 30 * 0.5) * HOURS)
    # emissions: 700.8 GWh at 800 g/kWh and 438 GWh at 400 g/kWh
    assert r.emissions_t == pytest.approx({"a": 560_640, "b": 175_200})
    assert r.intensity_g_per_kwh == pytest.approx({"a": 800, "b": 400})
    assert r.unserved_twh == pytest.approx({"a": 0, "b": 0})


def test_losses_are_paid_by_the_sender(make_dataset: Callable[..., Path]) -> None:
    r = solve_power(corridor.load_network(make_dataset(_toy_power(loss=0.1))), year=2030)
    # 30 MW leave A and 27 MW arrive at B, which makes up the other 53 MW
    assert r.generation_twh["a"]["coal"] == pytest.approx(80 * HOURS / 1e6)
    assert r.generation_twh["b"]["gas"] == pytest.approx(53 * HOURS / 1e6)
    assert r.flows[0].losses_twh == pytest.approx(3 * HOURS / 1e6)


def test_curtailment_when_the_line_is_full(make_dataset: Callable[..., Path]) -> None:
    r = solve_power(corridor.load_network(make_dataset(_toy_power(wind_b=150))), year=2030)
    # wind serves B's 80 MW and sends 30 MW to A; 40 of its 150 MW are curtailed; A's plant makes the other 20 MW
    assert r.generation_twh["b"] == pytest.approx({"wind": 110 * HOURS / 1e6, "gas": 0})
    assert r.curtailment_twh["b"]["wind"] == pytest.approx(40 * HOURS / 1e6)
    assert r.curtailment_share("b") == pytest.approx(40 / 150)
    assert r.flows[0].backward_twh == pytest.approx(30 * HOURS / 1e6)
    assert r.generation_twh["a"]["coal"] == pytest.approx(20 * HOURS / 1e6)


def test_unserved_load_is_shown_not_hidden(make_dataset: Callable[..., Path]) -> None:
    r = solve_power(corridor.load_network(make_dataset(_toy_power(load_b=140))), year=2030)
    # B needs 140 MW: 100 of its own, 30 over the line; 10 MW are shed all year
    assert r.unserved_twh["b"] == pytest.approx(10 * HOURS / 1e6)


def test_hourly_year_gives_the_typical_days_totals(power_toy: Network) -> None:
    days = solve_power(power_toy, year=2030)
    hourly = solve_power(power_toy, year=2030, resolution="hourly")
    assert len(hourly.network.snapshots) == 8760 and len(days.network.snapshots) == 96
    assert hourly.objective_usd == pytest.approx(days.objective_usd)
    for node, row in days.generation_twh.items():
        assert hourly.generation_twh[node] == pytest.approx(row)


def test_co2_price_shifts_the_merit_order(make_dataset: Callable[..., Path]) -> None:
    net = corridor.load_network(make_dataset(_toy_power(line_mw=100)))
    # without a CO2 price, coal fills the line (A's 50 MW and 50 of B's 80) and gas the other 30 MW of B
    assert solve_power(net, year=2030).generation_twh["b"]["gas"] == pytest.approx(30 * HOURS / 1e6)
    # coal costs 10 + 0.8 p and gas 50 + 0.4 p USD/MWh at a CO2 price p: at 150 USD/t, 130 against 110, so gas
    # runs flat out (B's 80 MW and 20 MW to A) and coal makes A's other 30 MW
    r = solve_power(net, year=2030, co2_price_usd_per_t=150)
    assert r.generation_twh["b"]["gas"] == pytest.approx(100 * HOURS / 1e6)
    assert r.generation_twh["a"]["coal"] == pytest.approx(30 * HOURS / 1e6)


def test_embedded_layer_of_2030() -> None:
    net = corridor.load_network()
    r = solve_power(net, year=2030)
    flows = {f.line: f for f in r.flows}
    # the Black Sea cable (end of 2029) runs in 2030; the proposed Caspian cable does not
    assert "black-sea-cable" in flows and "caspian-cable" not in flows
    assert r.exports_twh["eu"] == pytest.approx(flows["black-sea-cable"].forward_twh * 0.95, rel=1e-6)
    assert 0 < r.exports_to_europe_twh <= 1000 * HOURS / 1e6
    assert sum(r.unserved_twh.values()) == pytest.approx(0, abs=0.01)
    assert set(r.demand_twh) == {"kz", "uz", "az", "ge"}
    # Kazakhstan's coal-heavy grid is the most carbon-intensive, Georgia's hydro the least
    assert max(r.intensity_g_per_kwh, key=r.intensity_g_per_kwh.__getitem__) == "kz"
    assert min(r.intensity_g_per_kwh, key=r.intensity_g_per_kwh.__getitem__) == "ge"
    proposed = solve_power(net, year=2030, include_proposed=True)
    assert "caspian-cable" in {f.line for f in proposed.flows}


def test_electric_rail_factors_follow_the_grid() -> None:
    net = corridor.load_network()
    r = solve_power(net, year=2030)
    rail = {f.factor: f for f in electric_rail_factors(net, r)}
    assert set(rail) == {"rail-electric-az", "rail-electric-ge", "rail-electric-kz"}
    assert rail["rail-electric-kz"].electrified_share == 0  # the Kazakh links are diesel unless a scenario says
    az = rail["rail-electric-az"]
    assert az.modelled_wtw_g_per_tkm == pytest.approx(41.5 * r.intensity_g_per_kwh["az"] / 1000)
    # the freight CO2e of a tonne over Alat-Boyuk Kesik (470 km, electric) follows the grid
    (line,) = [x for x in r.rail_links if x.link == "alat-boyuk-kesik"]
    assert line.modelled_kg_per_t == pytest.approx(az.modelled_wtw_g_per_tkm * 470 / 1000)
    assert line.dataset_kg_per_t == pytest.approx(18.3 * 470 / 1000)
    assert {x.factor for x in r.rail_links} == {"rail-electric-az", "rail-electric-ge"}
    changed = with_grid_factors(net, r)
    assert changed.factor_by_id["rail-electric-az"].wtw == pytest.approx(az.modelled_wtw_g_per_tkm, abs=1e-3)
    assert changed.factor_by_id["rail-diesel"] == net.factor_by_id["rail-diesel"]


def test_scenario_removes_the_black_sea_cable() -> None:
    from corridor.services.power import PowerOptions, run_power

    r = run_power(corridor.load_network(), PowerOptions(year=2030, scenario="no-black-sea-cable"))
    assert "black-sea-cable" not in r.lines and r.exports_twh["eu"] == 0
    more = run_power(corridor.load_network(), PowerOptions(year=2030, scenario="caspian-cable-2030"))
    assert {"caspian-cable-2030", "uz-kz-green-link-2030"} <= set(more.lines) and "az-offshore-wind-2030" in more.plants
    assert more.generation_twh["az"]["wind"] > r.generation_twh["az"]["wind"]


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"year": 1950}, InvalidOptionError, "--year 1950: give a year from 2000"),
        ({"co2_price_usd_per_t": -1}, InvalidOptionError, "give a price of 0 or more"),
        ({"co2_price_usd_per_t": float("nan")}, InvalidOptionError, "give a price of 0 or more"),
        ({"resolution": "weekly"}, InvalidOptionError, "typical-days, hourly"),
        ({"avoid": ["Atlantis"]}, UnknownElementError, "Unknown power line or plant 'Atlantis'"),
    ],
)
def test_bad_options(power_toy: Network, options: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        power_system(power_toy, **options)


def test_dataset_without_power_layer(toy: Network) -> None:
    with pytest.raises(InvalidOptionError, match="has no power layer"):
        power_system(toy)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda t: t["power_plants.csv"][0].update(node="nowhere"), "unknown grid node 'nowhere'"),
        (lambda t: t["power_plants.csv"][0].update(profile="flat-load"), "'flat-load' is a demand profile"),
        (lambda t: t["power_lines.csv"][0].update(status="planned"), "a planned line needs the date"),
        (lambda t: t["power_profiles.csv"].pop(), "'flat-load' lacks autumn"),
        (lambda t: t["power_profiles.csv"][0].update(values="1;2"), "values"),
    ],
)
def test_bad_tables_are_named(make_dataset: Callable[..., Path], edit: Callable[..., Any], match: str) -> None:
    def broken(tables: dict[str, list[dict[str, Any]]], info: dict[str, Any]) -> None:
        _toy_power()(tables, info)
        edit(tables)

    with pytest.raises(DatasetError, match=match):
        corridor.load_network(make_dataset(broken))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")  # raised inside PyPSA's netCDF reader
def test_cli_json_and_export(tmp_path: Path) -> None:
    out = tmp_path / "corridor-2030.nc"
    done = _cli("power", "--year", "2030", "--json", "--export", str(out))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)  # the solver's banner stays out of the JSON
    assert data["year"] == 2030 and data["export_to_europe_twh"] > 0
    import pypsa

    pypsa.options.api.legacy_string_dtype = False
    n = pypsa.Network(str(out))
    assert "black-sea-cable-fwd" in n.links.index
    assert n.objective == pytest.approx(data["objective_usd"], rel=1e-9)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("--export", "out.csv"), "give a file ending in .nc"),
        (("--resolution", "weekly"), "--resolution 'weekly'"),
        (("--scenario", "no-such-scenario"), "no-such-scenario"),
    ],
)
def test_cli_bad_input_exits_2(args: tuple[str, ...], match: str) -> None:
    done = _cli("power", *args)
    assert done.returncode == 2 and match in done.stderr and "Traceback" not in done.stderr
