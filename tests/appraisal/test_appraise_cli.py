"""``corridor appraise`` on the toy dataset: the project's effects from two equilibria, JSON, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import corridor
from corridor.services.appraisal import appraise_target


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "corridor", *args], capture_output=True, text=True, timeout=120)


def test_appraise_a_toy_project(toy_projects: Path) -> None:
    result = run("appraise", "port-upgrade", "--network", str(toy_projects), "--years", "2024", "--samples", "50",
                 "--horizon", "2040", "--discount", "5%", "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["name"] == "port-upgrade" and data["discount_rate"] == 0.05 and data["horizon"] == 2040
    years = data["years"]
    assert [y["year"] for y in years] == list(range(2022, 2041))
    assert years[0]["capex"] == pytest.approx(5e6) and years[1]["capex"] == pytest.approx(5e6)  # 10 over 2 years
    assert all(y["benefits"] == 0 for y in years[:2])  # opens in 2024
    assert data["pv_costs_usd"] > 0 and data["ranges"]["samples"]["value"] == 50
    pv = sum(y["net"] * y["discount_factor"] for y in years)
    assert data["npv_usd"] == pytest.approx(pv, rel=1e-4, abs=1.0)
    assert {t["input"] for t in data["tornado"]} >= {"capex_musd", "opex", "demand"}
    (effects,) = data["effects"]
    assert effects["year"] == 2024 and effects["commodities"]["container"]["tonnes"] == 120000


def test_a_counterfactual_gives_the_project_its_benefits(toy_net: corridor.Network) -> None:
    """The ferry at 14 sailings a week against 3.5 without it: shippers on corridor x save hours, x gains tonnes."""
    result = appraise_target(toy_net, "ferry-back", years=(2024,), samples=0)
    (effects,) = result.effects
    assert effects["commodities"]["container"]["tonne_hours"] > 0
    assert effects["volumes_with_mt"]["x"] > effects["volumes_without_mt"]["x"]
    assert result.pv_benefits_usd != 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "Unknown project or scenario 'nope'; projects: port-upgrade, ferry-back"),
        (["port-upgrade", "--discount", "-3%"], "discount rate '-3%' is not a rate from 0"),
        (["port-upgrade", "--years", "2019"], "No data for year 2019"),
        (["port-upgrade", "--years", "twenty"], "years 'twenty' is not a list of years"),
    ],
)
def test_bad_input_exits_2_with_a_message(toy_projects: Path, args: list[str], message: str) -> None:
    result = run("appraise", *args, "--network", str(toy_projects), "--samples", "0")
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_portfolio_on_the_toy(toy_projects: Path) -> None:
    result = run("portfolio", "--budget", "USD 100 million", "--years", "2022:2023", "--equilibrium-years", "2024",
                 "--network", str(toy_projects), "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["budget_usd"] == 100e6 and data["years"] == [2022, 2023]
    assert {p["project"] for p in data["projects"]} == {"port-upgrade", "ferry-back"}
    assert data["optimum"]["npv_usd"] >= data["greedy"]["npv_usd"] - 1e-6
    assert data["optimum"]["capex_usd"] <= 100e6
    paying = [p for p in data["projects"] if p["npv_usd"] > 0]
    assert len(data["interactions"]) == (1 if len(paying) == 2 else 0)  # both relieve C: run together if both pay
    assert data["extra_billion"][0]["budget_usd"] == 1e9


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--budget", "3 bn"], "budget '3 bn' is not a currency and an amount; currencies: USD, EUR"),
        (["--budget", "USD 1 bn", "--projects", "port-upgrade,nope"], "Unknown project 'nope'; projects: port-upgrade"),
        (["--budget", "USD 1 bn", "--discount", "-1%"], "discount rate '-1%' is not a rate"),
        (["--budget", "USD 1 bn", "--years", "2030:2025"], "the first year is after the last"),
    ],
)
def test_portfolio_bad_input_exits_2(toy_projects: Path, args: list[str], message: str) -> None:
    result = run("portfolio", *args, "--network", str(toy_projects), "--equilibrium-years", "2024")
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_portfolio_on_two_processes_is_the_same(toy_net: corridor.Network) -> None:
    from corridor.services.appraisal import portfolio_of

    one = portfolio_of(toy_net, budget_usd=1e8, years=(2022, 2023), anchor_years=(2024,))
    two = portfolio_of(toy_net, budget_usd=1e8, years=(2022, 2023), anchor_years=(2024,), workers=2)
    assert one["projects"] == two["projects"] and one["optimum"]["chosen"] == two["optimum"]["chosen"]
    assert one["equilibria_run"] == two["equilibria_run"] == 4  # without and with each (ferry-back: its own without)


def test_appraisal_report(toy_projects: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = run("appraise", "port-upgrade", "--network", str(toy_projects), "--years", "2024", "--samples", "30",
                 "--horizon", "2035", "--report", str(out), "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    markdown = (out / "report.md").read_text(encoding="utf-8")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert data["report"]["html"] == str(out / "report.html")
    assert markdown.startswith("# Appraisal of port-upgrade") and "DG REGIO, 2014" in markdown
    assert f"NPV USD {data['npv_usd'] / 1e6:,.1f} million" in markdown
    assert "![Cash flows](figures/cash_flows.svg)" in markdown and (out / "figures" / "tornado.svg").is_file()
    assert page.count("data:image/svg+xml;base64,") == 2 and "<table>" in page
    cash_flows = markdown.split("## Cash flows")[1].split("## What drives")[0]
    assert cash_flows.count("\n| 20") == len(data["years"])  # one row a year
    blocked = tmp_path / "file"
    blocked.write_text("x", encoding="utf-8")
    refused = run("appraise", "port-upgrade", "--network", str(toy_projects), "--report", str(blocked))
    assert refused.returncode == 2 and "exists and is not a folder" in refused.stderr
