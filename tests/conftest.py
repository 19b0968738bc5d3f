"""Shared fixtures: a small hand-solvable dataset written to a temporary folder, and the embedded network."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import corridor
from corridor.dataset.network import Network

Rows = list[dict[str, Any]]

PROV = {"source": "toy", "as_of": "2024"}


def toy_tables() -> dict[str, Rows]:
    """Two corridors from A (CN) to E (DE).

    x: A -rail1435-> B (gauge change) -rail1520-> C (port) -ferry-> D (port) -rail1520-> E
       hours 2 + 2 + 4 + 5 + (10 + 12 wait) + 5 + 10 = 50, cost 100 + 30 + 200 + 50 + 500 + 50 + 300 = 1230
    y: A -rail1435-> B (gauge change) -rail1520 through RU-> E
       hours 2 + 2 + 20 = 24, cost 100 + 30 + 2000 = 2130
    """
    return {
        "sources.csv": [{"id": "toy", "title": "Toy network", "publisher": "tests", "date": "2024"}],
        "corridors.csv": [
            {"id": "x", "name": "Corridor X", **PROV},
            {"id": "y", "name": "Corridor Y", **PROV},
        ],
        "emission_factors.csv": [
            {
                "id": "rail",
                "kind": "transport",
                "description": "rail",
                "ttw": 10,
                "wtw": 20,
                "unit": "g_per_tkm",
                "quality": "default",
                **PROV,
            },
            {
                "id": "ship",
                "kind": "transport",
                "description": "ship",
                "ttw": 100,
                "wtw": 120,
                "unit": "g_per_tkm",
                "quality": "default",
                **PROV,
            },
            {
                "id": "hub",
                "kind": "hub",
                "description": "hub",
                "ttw": 0.5,
                "wtw": 1.0,
                "unit": "kg_per_t",
                "quality": "modelled",
                **PROV,
            },
        ],
        "places.csv": [
            {
                "id": "a",
                "name": "Alpha",
                "aliases": "Älpha Town;A-Town",
                "country": "CN",
                "lat": 40,
                "lon": 100,
                "kind": "city",
                "locode": "CNAAA",
                **PROV,
            },
            {
                "id": "b",
                "name": "Bravo",
                "aliases": "",
                "country": "KZ",
                "lat": 45,
                "lon": 80,
                "kind": "border",
                **PROV,
            },
            {
                "id": "c",
                "name": "Charlie",
                "aliases": "",
                "country": "KZ",
                "lat": 43,
                "lon": 51,
                "kind": "port",
                **PROV,
            },
            {
                "id": "d",
                "name": "Delta",
                "aliases": "",
                "country": "AZ",
                "lat": 40,
                "lon": 49,
                "kind": "port",
                **PROV,
            },
            {
                "id": "e",
                "name": "Echo",
                "aliases": "Ékho",
                "country": "DE",
                "lat": 51,
                "lon": 7,
                "kind": "city",
                **PROV,
            },
        ],
        "links.csv": [
            {
                "id": "ab",
                "from": "a",
                "to": "b",
                "mode": "rail",
                "gauge": 1435,
                "distance_km": 100,
                "speed_kmh": 50,
                "tariff_usd": 100,
                "tariff_unit": "FEU",
                "commodities": "container;dry_bulk",
                "corridors": "x;y",
                "emission_factor": "rail",
                **PROV,
            },
            {
                "id": "bc",
                "from": "b",
                "to": "c",
                "mode": "rail",
                "gauge": 1520,
                "distance_km": 200,
                "speed_kmh": 50,
                "tariff_usd": 200,
                "tariff_unit": "FEU",
                "commodities": "container;dry_bulk",
                "corridors": "x",
                "emission_factor": "rail",
                **PROV,
            },
            {
                "id": "cd",
                "from": "c",
                "to": "d",
                "mode": "ferry",
                "distance_km": 300,
                "hours": 10,
                "tariff_usd": 500,
                "tariff_unit": "FEU",
                "commodities": "container;dry_bulk",
                "corridors": "x",
                "passages": "caspian",
                "emission_factor": "ship",
                **PROV,
            },
            {
                "id": "de",
                "from": "d",
                "to": "e",
                "mode": "rail",
                "gauge": 1520,
                "distance_km": 400,
                "speed_kmh": 40,
                "tariff_usd": 300,
                "tariff_unit": "FEU",
                "commodities": "container;dry_bulk",
                "corridors": "x",
                "emission_factor": "rail",
                **PROV,
            },
            {
                "id": "be",
                "from": "b",
                "to": "e",
                "mode": "rail",
                "gauge": 1520,
                "distance_km": 1000,
                "speed_kmh": 50,
                "tariff_usd": 2000,
                "tariff_unit": "FEU",
                "commodities": "container",
                "corridors": "y",
                "via_countries": "RU",
                "emission_factor": "rail",
                **PROV,
            },
        ],
        "transfers.csv": [
            {
                "id": "b-gauge",
                "place": "b",
                "from_layer": "rail1435",
                "to_layer": "rail1520",
                "kind": "gauge_change",
                "hours_low": 1,
                "hours_typical": 2,
                "hours_high": 3,
                "cost_usd": 30,
                "emission_factor": "hub",
                **PROV,
            },
            {
                "id": "c-port",
                "place": "c",
                "from_layer": "rail1520",
                "to_layer": "ferry",
                "kind": "port_handling",
                "hours_low": 4,
                "hours_typical": 5,
                "hours_high": 6,
                "cost_usd": 50,
                **PROV,
            },
            {
                "id": "d-port",
                "place": "d",
                "from_layer": "ferry",
                "to_layer": "rail1520",
                "kind": "port_handling",
                "hours_low": 4,
                "hours_typical": 5,
                "hours_high": 6,
                "cost_usd": 50,
                **PROV,
            },
        ],
        "services.csv": [
            {
                "id": "ferry",
                "links": "cd",
                "departures_per_week": 7,
                "capacity_per_departure": 50,
                "capacity_unit": "wagons",
                **PROV,
            },
        ],
    }


def toy_capacities() -> Rows:
    """Capacity elements of the toy network: the port at C (a transfer) and the ferry C-D (a service)."""
    return [
        {
            "id": "c-port",
            "element_type": "transfer",
            "elements": "c-port",
            "capacity_per_year": 1000000,
            "capacity_low": 800000,
            "capacity_high": 1200000,
            "capacity_unit": "t",
            "vdf": "queue",
            "t0_hours": 5,
            **PROV,
        },
        {
            "id": "ferry",
            "element_type": "service",
            "elements": "ferry",
            "capacity_per_year": 18200,
            "capacity_unit": "wagons",
            "vdf": "bpr",
            "alpha": 0.15,
            "beta": 4,
            "t0_hours": 12,
            **PROV,
        },
    ]


def toy_demand() -> Rows:
    """Demand of the toy network: A to E by container, one row avoiding Russia, for two years."""
    return [
        {
            "id": "ae-2024",
            "origin": "a",
            "destination": "e",
            "commodity": "container",
            "year": 2024,
            "tonnes_per_year": 100000,
            "tonnes_low": 80000,
            "tonnes_high": 120000,
            **PROV,
        },
        {
            "id": "ae-2024-avoid-ru",
            "origin": "a",
            "destination": "e",
            "commodity": "container",
            "year": 2024,
            "tonnes_per_year": 20000,
            "avoid": "RU",
            **PROV,
        },
        {
            "id": "ae-2023",
            "origin": "a",
            "destination": "e",
            "commodity": "dry_bulk",
            "year": 2023,
            "tonnes_per_year": 50000,
            **PROV,
        },
    ]


def with_flow_tables(tables: dict[str, Rows], info: dict[str, Any]) -> None:
    """Add the optional capacities.csv and demand.csv to the toy tables, and the wagon payload they need."""
    tables["capacities.csv"] = toy_capacities()
    tables["demand.csv"] = toy_demand()
    info["payload_t_per_wagon"] = {"value": 60, "source": ["toy"], "as_of": "2024"}


def with_reliability_tables(tables: dict[str, Rows], info: dict[str, Any]) -> None:
    """Add weather.csv, delays.csv and berths.csv to the toy tables: storms on the ferry C-D, rail delays."""
    tables["weather.csv"] = [
        {
            "id": "storms",
            "links": "cd",
            "months": "Nov;Dec",
            "closed_probability": 0.5,
            "hours_low": 12,
            "hours_typical": 24,
            "hours_high": 72,
            **PROV,
        },
    ]
    tables["delays.csv"] = [
        {"id": "rail", "modes": "rail", "factor_low": 0.9, "factor_typical": 1, "factor_high": 1.5, **PROV},
        {
            "id": "rail-ru",
            "modes": "rail",
            "countries": "RU",
            "factor_low": 1,
            "factor_typical": 1.2,
            "factor_high": 2,
            **PROV,
        },
    ]
    tables["berths.csv"] = [
        {
            "id": "c-berths",
            "place": "c",
            "services": "ferry",
            "berths": 2,
            "hours_low": 4,
            "hours_typical": 6,
            "hours_high": 10,
            **PROV,
        },
        {
            "id": "d-berths",
            "place": "d",
            "services": "ferry",
            "berths": 1,
            "hours_low": 4,
            "hours_typical": 6,
            "hours_high": 10,
            **PROV,
        },
    ]


def toy_info() -> dict[str, Any]:
    q = {"source": ["toy"], "as_of": "2024"}
    return {
        "name": "toy",
        "title": "Toy",
        "version": "1",
        "payload_t_per_teu": {"value": 10, **q},
        "payload_t_per_feu": {"value": 20, **q},
        "feu_to_teu_price_ratio": {"value": 2, **q},
        "value_of_time_usd_per_feu_hour": {"value": 10, **q},
        "carbon_price_usd_per_t": {"value": 0, **q},
    }


def write_dataset(folder: Path, tables: dict[str, Rows], info: dict[str, Any] | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if info is not None:
        (folder / "dataset.yaml").write_text(yaml.safe_dump(info), encoding="utf-8")
    for name, rows in tables.items():
        columns: list[str] = []
        for row in rows:
            columns.extend(k for k in row if k not in columns)
        with (folder / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, columns)
            writer.writeheader()
            writer.writerows(rows)
    return folder


@pytest.fixture
def make_dataset(tmp_path: Path) -> Callable[..., Path]:
    """Write the toy dataset, after ``edit(tables, info)`` if given, and return its folder."""

    def make(edit: Callable[[dict[str, Rows], dict[str, Any]], None] | None = None) -> Path:
        tables, info = toy_tables(), toy_info()
        if edit is not None:
            edit(tables, info)
        return write_dataset(tmp_path / "toy", tables, info)

    return make


@pytest.fixture
def toy(make_dataset: Callable[..., Path]) -> Network:
    return corridor.load_network(make_dataset())


@pytest.fixture(scope="session")
def eurasia() -> Network:
    return corridor.load_network()


@pytest.fixture(scope="session")
def tntp_root() -> Path:
    """The folder of the TNTP test networks (shared/data/tntp beside the repository, or CORRIDOR_TNTP_DIR)."""
    from corridor.dataset.tntp import find_tntp_root

    root = find_tntp_root()
    if root is None:
        pytest.skip("TNTP networks not found: set CORRIDOR_TNTP_DIR or place shared/data/tntp beside the repository")
    return root


def postgres_url() -> str:
    """The test PostgreSQL server (``CORRIDOR_TEST_POSTGRES_URL``, started by .ci/run), or skip (fail in CI)."""
    import os

    url = os.environ.get("CORRIDOR_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CORRIDOR_REQUIRE_POSTGRES"):
            pytest.fail("CORRIDOR_REQUIRE_POSTGRES is set but CORRIDOR_TEST_POSTGRES_URL is not")
        pytest.skip("no PostgreSQL server: set CORRIDOR_TEST_POSTGRES_URL (.ci/run starts one)")
    return url


def clean_postgres(store: Any) -> None:
    """Empty every table of a store on the shared test server."""
    with store.engine.begin() as conn:
        for table in ("run_values", "runs", "jobs", "scenarios", "api_keys"):
            conn.exec_driver_sql(f"DELETE FROM {table}")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store URL: a SQLite file, then the PostgreSQL test server (emptied)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    from corridor.store.database import Store

    url = postgres_url()
    with Store(url) as store:
        clean_postgres(store)
    return url


class Server:
    """``corridor serve`` in a process of its own, on a free loopback port, with small JSON helpers."""

    def __init__(self, store: str, *args: str) -> None:
        import os
        import socket
        import subprocess
        import sys
        import time

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "corridor", "serve", "--port", str(self.port), "--store", store, *args]
        import tempfile

        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop or kill)
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=self.log, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"corridor serve stopped: {self.log.read().decode()}")
            try:
                if self.call("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("corridor serve did not answer /healthz within 60 s")

    def call(self, method: str, path: str, body: Any = None, key: str | None = None) -> tuple[int, Any]:
        import json
        import urllib.error
        import urllib.request

        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data else {}
        if key:
            headers["X-API-Key"] = key
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                text = answer.read()
                return answer.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine or the process dies."""
        self.process.kill()
        self.process.wait(10)
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except Exception:
                self.process.kill()
                self.process.wait(5)
        self.log.close()
