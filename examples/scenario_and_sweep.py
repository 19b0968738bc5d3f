"""Run a scenario against its base, then sweep one of its parameters.

Run: python examples/scenario_and_sweep.py [SAMPLES]   (default 2,000 shipments per corridor and run)
"""

from __future__ import annotations

import sys

import corridor


def main(samples: int) -> None:
    network = corridor.load_network()
    base = corridor.run_scenario(network, corridor.load_scenario("base-2024", network), samples=samples)
    reopened = corridor.run_scenario(network, corridor.load_scenario("red-sea-open", network), samples=samples)

    # before and after, side by side: volumes in Mt a year, transit times in days
    table = base.to_frame().merge(reopened.to_frame(), on="corridor", suffixes=("_base", "_red_sea_open"))
    print(table[["corridor", "volume_mt_base", "volume_mt_red_sea_open"]].to_string(index=False))

    # more demand: one run per value of demand.scale, the seed the same for each
    swept = corridor.sweep(
        network, corridor.load_scenario("base-2024", network), "demand.scale=1:1.5:0.25", samples=samples
    )
    middle = swept.to_frame().query("corridor == 'middle'")[["value", "volume_mt", "p90_days"]]
    print(middle.to_string(index=False))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2_000)
