"""Compare the corridors between two places, then export the comparison as a table and a map.

Run: python examples/compare_routes.py [OUTPUT_FOLDER]   (default: the current folder)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import corridor


def main(folder: Path) -> None:
    network = corridor.load_network()
    comparison = corridor.compare(network, "Xian", "Duisburg", depart="2025-03-01")
    table = comparison.to_frame()[["corridor", "p50_days", "p90_days", "cost_usd", "co2e_kg"]]
    print(table.to_string(index=False))

    # the Pareto set of the Middle Corridor: no route in it is beaten on time, cost and CO2e at once
    front = corridor.pareto(network, "Xian", "Duisburg", corridor="middle")
    print(f"{len(front)} Pareto-optimal routes on the Middle Corridor")

    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / "compare.csv", index=False)
    (folder / "compare.geojson").write_text(json.dumps(comparison.to_geojson()), encoding="utf-8")
    front.to_frame().to_csv(folder / "pareto-middle.csv", index=False)
    print(f"wrote compare.csv, compare.geojson and pareto-middle.csv to {folder}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
