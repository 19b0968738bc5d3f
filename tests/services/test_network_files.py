"""The network as files for GIS tools: GeoPackage, GeoJSON and GeoParquet hold every place and link, in WGS 84."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pyogrio
import pyogrio.raw
import pytest
import shapely
from fastapi.testclient import TestClient

from corridor.api import ServiceSettings, create_app
from corridor.dataset.network import Network
from corridor.errors import InvalidOptionError
from corridor.services.network_files import network_to_file, network_to_geojson


def _ends(network: Network, link_id: str) -> tuple[tuple[float, float], tuple[float, float]]:
    link = network.link_by_id[link_id]
    a, b = network.place_by_id[link.from_], network.place_by_id[link.to]
    return (a.lon, a.lat), (b.lon, b.lat)


def test_geopackage_layers_fields_and_lines(eurasia: Network, tmp_path: Path) -> None:
    path = network_to_file(eurasia, tmp_path / "eurasia.gpkg")
    assert [list(row) for row in pyogrio.list_layers(path)] == [["places", "Point"], ["links", "LineString"]]
    meta, _, geometry, fields = pyogrio.raw.read(path, layer="links")
    assert meta["crs"] == "EPSG:4326" and len(geometry) == len(eurasia.links)
    columns = dict(zip(meta["fields"], fields, strict=True))
    assert list(columns["id"]) == [link.id for link in eurasia.links]
    assert list(columns["tariff_usd"]) == pytest.approx([link.tariff_usd for link in eurasia.links])
    assert columns["source"][0] == "; ".join(eurasia.links[0].source)
    lines = dict(zip(columns["id"], shapely.from_wkb(geometry), strict=True))
    road = lines["rotterdam-duisburg-road"]  # a road: straight between its places
    assert list(road.coords) == list(_ends(eurasia, "rotterdam-duisburg-road"))
    sea = [link.id for link in eurasia.links if link.mode == "sea"]
    assert any(len(lines[lid].coords) > 2 for lid in sea)  # along the sea lanes
    meta, _, points, fields = pyogrio.raw.read(path, layer="places")
    places = dict(zip(meta["fields"], fields, strict=True))
    assert list(places["id"]) == [p.id for p in eurasia.places]
    first = shapely.from_wkb(points[0])
    assert (first.x, first.y) == (eurasia.places[0].lon, eurasia.places[0].lat)


def test_geoparquet_metadata_and_rows(eurasia: Network, tmp_path: Path) -> None:
    path = network_to_file(eurasia, tmp_path / "eurasia.parquet", lanes=False)
    table = pq.read_table(path)
    geo = json.loads(table.schema.metadata[b"geo"])
    assert geo["version"] == "1.1.0" and geo["primary_column"] == "geometry"
    assert geo["columns"]["geometry"]["encoding"] == "WKB"
    frame = table.to_pandas()
    assert list(frame["layer"]).count("places") == len(eurasia.places)
    assert list(frame["layer"]).count("links") == len(eurasia.links)
    shapes = shapely.from_wkb(frame["geometry"])
    assert all(len(s.coords) == 2 for s, layer in zip(shapes, frame["layer"], strict=True) if layer == "links")
    west, south, east, north = geo["columns"]["geometry"]["bbox"]
    assert (west, south) == (min(p.lon for p in eurasia.places), min(p.lat for p in eurasia.places))
    assert (east, north) == (max(p.lon for p in eurasia.places), max(p.lat for p in eurasia.places))


def test_geojson_has_both_layers(eurasia: Network) -> None:
    collection = network_to_geojson(eurasia, lanes=False)
    layers = [f["properties"]["layer"] for f in collection["features"]]
    assert layers.count("places") == len(eurasia.places) and layers.count("links") == len(eurasia.links)
    json.dumps(collection, allow_nan=False)  # strict JSON: empty cells are null, not NaN


def test_unknown_extension_refused(eurasia: Network, tmp_path: Path) -> None:
    with pytest.raises(InvalidOptionError, match=r"extension '\.shp'; a network is written as \.gpkg, \.geojson"):
        network_to_file(eurasia, tmp_path / "eurasia.shp")
    assert list(tmp_path.iterdir()) == []


def test_cli_export_and_refusal(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-W", "error", "-m", "corridor", "network", "export", str(tmp_path / "n.gpkg")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "60 places and 98 links of 'eurasia'" in done.stdout and done.stderr == ""
    refused = subprocess.run(
        [sys.executable, "-m", "corridor", "network", "export", "n.shp", "--network", str(tmp_path / "nowhere")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert refused.returncode == 2 and "extension '.shp'" in refused.stderr  # before the dataset is read


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(store=f"sqlite:///{tmp_path / 'store.sqlite'}", job_workers=0)
    with TestClient(create_app(settings)) as c:
        yield c


def test_api_network_as_files(client: TestClient, tmp_path: Path) -> None:
    answer = client.get("/v1/network", params={"format": "gpkg"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/geopackage+sqlite3"
    assert 'filename="eurasia.gpkg"' in answer.headers["content-disposition"]
    (tmp_path / "got.gpkg").write_bytes(answer.content)
    assert [str(row[0]) for row in pyogrio.list_layers(tmp_path / "got.gpkg")] == ["places", "links"]
    refused = client.get("/v1/network", params={"format": "shp"})
    assert refused.status_code == 422 and "valid: gpkg, geojson, parquet" in refused.json()["error"]["message"]
