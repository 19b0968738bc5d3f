"""How many days at the 90th percentile, and what drives the spread: a Monte Carlo of the Middle Corridor.

Run: python examples/reliability.py [SAMPLES]   (default 20,000 shipments)
"""

from __future__ import annotations

import sys

import corridor


def main(samples: int) -> None:
    network = corridor.load_network()
    result = corridor.simulate(
        network, "Xian", "Duisburg", corridor="middle", depart="2025-11-10", samples=samples, deadline_days=30
    )
    print(
        f"median {result.p50_days:.1f} days, P90 {result.p90_days:.1f}, on time in 30 days: "
        f"{result.on_time_probability():.0%}"
    )
    for driver in result.tail_drivers(3):
        print(f"  {driver['element']:<40} {driver['share']:.0%} of the variance")
    # one row per shipment: the distribution, ready for a histogram
    days = result.to_frame()["days"]
    print(f"fastest {days.min():.1f} days, slowest {days.max():.1f} days over {len(days):,} shipments")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
