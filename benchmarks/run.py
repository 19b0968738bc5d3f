"""Benchmarks of corridor against its peers, same machine, same run; writes docs/benchmarks.md.

Run (the benchmark environment holds the peers, AequilibraE among them; see benchmarks/requirements.txt):

    python3 -m venv .venv-bench
    .venv-bench/bin/pip install -c requirements.lock -e . -r benchmarks/requirements.txt
    .venv-bench/bin/python benchmarks/run.py [--quick] [--only routing|assignment|reliability|scenarios]
        [--tntp DIR] [--network NAME] [--postgres URL]

Routing:
1. Cold start of `corridor compare Xian Duisburg` (a new process each time), against a bare `python -c pass`.
2. Pareto query (time, cost, CO2e) on the embedded network: the numba kernel against the same label-setting
   algorithm in pure Python (heapq) on a networkx graph.
3. A generated network of about 1 million links: single-criterion query by corridor's kernel, by plain
   scipy.sparse.csgraph.dijkstra (no path extraction) and by networkx; Pareto query against the pure-Python peer.

Equilibrium assignment (benchmarks/assignment.py): time to relative gaps 1e-4 and 1e-6 on the TNTP networks,
corridor against AequilibraE.

Capacity LP (benchmarks/capacity.py): the hard-capacity LP by column generation against the full arc-based LP on
SiouxFalls, Anaheim, Barcelona and Chicago-Sketch, each capped at --budget (goals: Chicago-Sketch under 30 s,
Barcelona under 10 s).

Reliability (benchmarks/reliability.py): samples per second of the vectorized Monte Carlo engine against the SimPy
reference model on the Xi'an–Duisburg middle route, and its throughput on a Dask LocalCluster of 1 and 2 workers.

Appraisal (benchmarks/appraisal.py): `corridor portfolio` over 24 projects under a budget on one and two
processes (goal under 60 s), the mixed-integer program against the greedy baseline; logistics centres (capacitated
p-median, maximum coverage) against PySAL spopt on the same instance.

Scenarios (benchmarks/scenarios.py): scenario runs per minute on the embedded network; a sweep in this process
against a Dask LocalCluster of 1 and 2 workers; results-store writes and reads on SQLite and PostgreSQL against
the raw drivers.

Jobs (benchmarks/service.py): submission to result of a job through `corridor serve`, against the same computation
in process (goal: overhead under 100 ms).

Power (benchmarks/power.py): a year of the power layer's dispatch (every hour, and four typical days) against the
same model built directly in PyPSA from the CSV files; goal under 60 s on 2 cores.

``--only`` reruns one part and keeps the other parts' sections of the existing report.
"""

from __future__ import annotations

import argparse
import heapq
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import corridor  # noqa: E402
from baseline import BASELINE_COMMIT, baseline_source, cli_of  # noqa: E402
from corridor.assignment.kernels import point_to_point_arcs  # noqa: E402
from corridor.model.graph import graph_of  # noqa: E402
from corridor.routing.kernels import pareto_paths, shortest_path_arcs  # noqa: E402


def timed(fn: Callable[[], Any], *, repeat: int, warmup: int = 1) -> tuple[float, Any]:
    """Median wall time in seconds over ``repeat`` runs after ``warmup`` runs, and the last result."""
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def python_pareto(
    adj: dict[int, list[tuple[int, tuple[float, ...]]]], source: int, target: int
) -> list[tuple[float, ...]]:
    """Martins' label setting in pure Python: the peer for the numba kernel (same algorithm, same pruning)."""
    settled: dict[int, list[tuple[float, ...]]] = {}
    heap: list[tuple[tuple[float, ...], int]] = [((0.0, 0.0, 0.0), source)]

    def dominated(cost: tuple[float, ...], node: int) -> bool:
        return any(all(a <= b for a, b in zip(label, cost, strict=True)) for label in settled.get(node, ()))

    while heap:
        cost, node = heapq.heappop(heap)
        if dominated(cost, node) or dominated(cost, target):
            continue
        settled.setdefault(node, []).append(cost)
        if node == target:
            continue
        for nxt, w in adj.get(node, ()):
            new = (cost[0] + w[0], cost[1] + w[1], cost[2] + w[2])
            if not (dominated(new, nxt) or dominated(new, target)):
                heapq.heappush(heap, (new, nxt))
    return settled.get(target, [])


def grid_network(side: int, seed: int) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.float64]]:
    """A side x side grid, arcs both ways (about 4 side^2 arcs), three correlated criteria per arc."""
    rng = np.random.default_rng(seed)
    ids = np.arange(side * side).reshape(side, side)
    tails = np.concatenate([ids[:, :-1].ravel(), ids[:, 1:].ravel(), ids[:-1, :].ravel(), ids[1:, :].ravel()])
    heads = np.concatenate([ids[:, 1:].ravel(), ids[:, :-1].ravel(), ids[1:, :].ravel(), ids[:-1, :].ravel()])
    order = np.argsort(tails, kind="stable")
    tails, heads = tails[order], heads[order]
    hours = rng.uniform(1, 10, tails.size)
    cost = 100 / hours + rng.uniform(0, 5, tails.size)  # faster links cost more
    co2 = hours * rng.uniform(0.5, 1.5, tails.size)
    indptr = np.zeros(side * side + 1, dtype=np.int64)
    np.add.at(indptr, tails + 1, 1)
    return np.cumsum(indptr), heads.astype(np.int32), np.column_stack([hours, cost, co2])


def corridor_executable() -> str:
    """The `corridor` command of the environment running the benchmark (else the project's .venv)."""
    here = Path(sys.executable).with_name("corridor")
    return str(here if here.exists() else ROOT / ".venv" / "bin" / "corridor")


def bench_routing(quick: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    exe = corridor_executable()
    runs = 3 if quick else 7

    # 0. cold start against the previous version (routes summed, not timed)
    old = baseline_source()
    if old is not None:
        t_now, _ = timed(
            lambda: subprocess.run([*cli_of(None), "compare", "Xian", "Duisburg"], check=True, capture_output=True),
            repeat=runs,
        )
        t_old, _ = timed(
            lambda: subprocess.run([*cli_of(old), "compare", "Xian", "Duisburg"], check=True, capture_output=True),
            repeat=runs,
        )
        rows.append(
            {
                "case": "cold start `corridor compare Xian Duisburg`, routes timed (5 x 8,192 samples)",
                "ours_s": t_now,
                "peer": f"the same command before one model of durations ({BASELINE_COMMIT})",
                "peer_s": t_old,
                "goal": "< 1 s",
            }
        )

    # 1. cold start
    def cli() -> None:
        subprocess.run([exe, "compare", "Xian", "Duisburg"], check=True, capture_output=True)

    def bare() -> None:
        subprocess.run([sys.executable, "-c", "pass"], check=True, capture_output=True)

    t_cli, _ = timed(cli, repeat=runs)
    t_bare, _ = timed(bare, repeat=runs)
    rows.append(
        {
            "case": "cold start `corridor compare Xian Duisburg` (new process)",
            "ours_s": t_cli,
            "peer": "`python -c pass`",
            "peer_s": t_bare,
            "goal": "< 1 s",
        }
    )

    # 2. Pareto on the embedded network
    network = corridor.load_network()
    t_ours, routes = timed(lambda: corridor.pareto(network, "Xian", "Duisburg"), repeat=runs * 3)
    from corridor.routing.search import _prepare

    q = _prepare(
        network,
        "Xian",
        "Duisburg",
        cargo="FEU",
        quantity=1,
        avoid=None,
        value_of_time_usd_per_t_hour=None,
        carbon_price_usd_per_t=None,
    )
    w = np.column_stack([q.hours, q.cost, q.co2e])
    g = graph_of(network)
    digraph = nx.DiGraph()
    for a in np.flatnonzero(~q.blocked):
        digraph.add_edge(int(g.tail[a]), int(g.head[a]), w=tuple(float(x) for x in w[a]))
    adj = {u: [(v, d["w"]) for v, d in nbrs.items()] for u, nbrs in digraph.adj.items()}
    t_peer, labels = timed(lambda: python_pareto(adj, q.source, q.target), repeat=runs * 3)
    assert len(labels) == len(routes), (len(labels), len(routes))
    rows.append(
        {
            "case": f"Pareto Xi'an–Duisburg, embedded network ({len(routes)} routes, whole call)",
            "ours_s": t_ours,
            "peer": "same algorithm in pure Python on networkx",
            "peer_s": t_peer,
            "goal": "< 50 ms",
        }
    )

    # 3. generated network of about a million links
    side = 300 if quick else 500
    indptr, head, weights = grid_network(side, seed=7)
    n_arcs = int(head.size)
    source, target = 0, side * side - 1
    hours = weights[:, 0].copy()
    t_ours, arcs = timed(lambda: point_to_point_arcs(indptr, head, hours, source, target), repeat=runs)
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    matrix = csr_matrix((hours, head, indptr), shape=(side * side, side * side))
    t_scipy, dist = timed(lambda: dijkstra(matrix, indices=source), repeat=runs)
    tails = np.repeat(np.arange(side * side), np.diff(indptr))
    big = nx.DiGraph()
    big.add_weighted_edges_from(zip(tails.tolist(), head.tolist(), hours.tolist(), strict=True))
    t_nx, nx_len = timed(lambda: nx.dijkstra_path_length(big, source, target), repeat=max(1, runs // 2))
    assert arcs is not None and np.isclose(hours[arcs].sum(), nx_len) and np.isclose(dist[target], nx_len)
    label = f"{n_arcs:,} links"
    rows.append(
        {
            "case": f"single-criterion path, grid {label}",
            "ours_s": t_ours,
            "peer": "networkx dijkstra_path_length",
            "peer_s": t_nx,
            "goal": "",
        }
    )
    rows.append(
        {
            "case": f"single-criterion path, grid {label}",
            "ours_s": t_ours,
            "peer": "plain scipy dijkstra (distances only)",
            "peer_s": t_scipy,
            "goal": "",
        }
    )

    # Pareto on the big grid, to a target 12 steps away on the diagonal (label sets grow fast with distance)
    hop = 6
    tgt = hop * side + hop
    t_ours, (paths, _costs, truncated) = timed(
        lambda: pareto_paths(indptr, head, weights, source, tgt, max_labels=5_000_000), repeat=runs
    )
    big_adj: dict[int, list[tuple[int, tuple[float, ...]]]] = {}
    for a in range(n_arcs):
        big_adj.setdefault(int(tails[a]), []).append((int(head[a]), tuple(weights[a])))
    t_peer, labels = timed(lambda: python_pareto(big_adj, source, tgt), repeat=1, warmup=0)
    assert not truncated and len(labels) == len(paths)
    rows.append(
        {
            "case": f"Pareto path set, grid {label}, 12 hops ({len(paths)} routes)",
            "ours_s": t_ours,
            "peer": "same algorithm in pure Python",
            "peer_s": t_peer,
            "goal": "",
        }
    )
    # 4. point-to-point paths as the corridor-choice equilibrium asks for them: a whole calibration
    from corridor.assignment import kernels as compiled_kernels
    from corridor.services.calibration import calibrate_dataset

    t_ours, ours = timed(lambda: calibrate_dataset(network), repeat=1 if quick else 3)
    compiled = compiled_kernels.point_to_point_arcs
    compiled_kernels.point_to_point_arcs = shortest_path_arcs  # scipy's Dijkstra per path, arcs looked up in Python
    try:
        t_peer, theirs = timed(lambda: calibrate_dataset(network), repeat=1, warmup=0)
    finally:
        compiled_kernels.point_to_point_arcs = compiled
    assert ours[1]["fit"] == theirs[1]["fit"], "the two path searches calibrate alike"
    rows.append(
        {
            "case": "`corridor calibrate` in process (about 150,000 point-to-point paths)",
            "ours_s": t_ours,
            "peer": "the same with scipy's dijkstra per path (the previous kernel)",
            "peer_s": t_peer,
            "goal": "< 10 s",
        }
    )
    return rows


COMMAND = (
    "python3 -m venv .venv-bench && .venv-bench/bin/pip install -c requirements.lock -e . "
    "-r benchmarks/requirements.txt && .venv-bench/bin/python benchmarks/run.py"
)
SECTIONS = {
    "routing": "## Routing",
    "assignment": "## Equilibrium assignment",
    "capacity": "## Capacity LP",
    "reliability": "## Reliability",
    "scenarios": "## Scenarios",
    "service": "## Service",
    "jobs": "## Jobs",
    "appraisal": "## Appraisal",
    "power": "## Power",
}


def header(previous: str = "") -> str:
    """The report's head; ``previous`` is the report it replaces, whose AequilibraE version stays when this run's
    environment has none (``--only`` of a part without it, from corridor's own environment)."""
    import numba
    import scipy

    try:
        peer = f", AequilibraE {version('aequilibrae')}"
    except PackageNotFoundError:
        kept = re.search(r"^Machine: .*(, AequilibraE [^,.\s]+(?:\.[0-9]+)*)\.$", previous, flags=re.MULTILINE)
        peer = kept.group(1) if kept else ""
    return "\n".join(
        [
            "# Benchmarks",
            "",
            "Measured by one command from the repository root, which builds the benchmark environment (corridor",
            "plus its peers, AequilibraE among them, never in corridor's own environment) and writes this file:",
            "",
            f"    {COMMAND}",
            "",
            "Ours and the peer always run on the same machine in the same run. Ratio = peer time / our time (above 1:",
            "corridor is faster). `benchmarks/run.py --only routing`, `--only assignment`, `--only reliability` or",
            "`--only scenarios` refreshes one section and keeps the others.",
            "",
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"numpy {np.__version__}, scipy {scipy.__version__}, numba {numba.__version__}, networkx {nx.__version__}"
            f"{peer}.",
            "",
        ]
    )


def routing_section(rows: list[dict[str, Any]]) -> str:
    lines = [
        "## Routing",
        "",
        "Median wall time of repeated runs after a warm-up.",
        "",
        "| case | corridor | peer | peer time | ratio | goal |",
        "|---|---:|---|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['ours_s'] * 1000:.1f} ms | {r['peer']} | {r['peer_s'] * 1000:.1f} ms | "
            f"{r['peer_s'] / r['ours_s']:.2f} | {r['goal']} |"
        )
    lines += [
        "",
        "Notes:",
        "- Cold start is one whole `corridor compare` process: interpreter start, imports, reading and validating",
        "  the seven CSV tables, compiling the virtual network, five corridor searches, timing each route with the",
        "  Monte Carlo engine (8,192 samples) and printing the table. One peer is the bare interpreter start, the",
        f"  floor any Python CLI pays; the other the same command at commit {BASELINE_COMMIT}, before one model of",
        "  durations (routes summed from typical values, not timed), run from a git worktree with the same",
        "  interpreter (both through `python -c`, so their ratio is like for like).",
        "- The single-criterion search is a binary-heap Dijkstra compiled with numba that stops at the target and",
        "  returns the path's arcs; 'plain scipy' is scipy's compiled Dijkstra to every node (distances only).",
        "- Calibration runs about a dozen corridor-choice equilibria, each asking for a least-cost path per market,",
        "  corridor and iteration; the peer is the same calibration with the previous path search (scipy's Dijkstra",
        "  on a sparse matrix built per call, arcs looked up in Python). Both give the same fit (checked in the run).",
        "- The Pareto kernel is Martins' multi-objective label setting compiled with numba (first call compiles and",
        "  caches; the warm-up run absorbs it). The peer runs the same algorithm with the same pruning in Python.",
        "  Both return the same number of Pareto-optimal routes (checked in the run).",
        "",
    ]
    return "\n".join(lines)


def command_line(args: argparse.Namespace) -> str:
    """The command of this run, as it would be typed at the repository root."""
    python = Path(sys.executable)
    shown = os.path.relpath(python, ROOT) if python.is_relative_to(ROOT) else str(python)
    words = [shown, "benchmarks/run.py"]
    if args.quick:
        words.append("--quick")
    if args.only:
        words += ["--only", args.only]
    return " ".join(words)


def sections_of(text: str) -> dict[str, str]:
    """The sections of an existing report, by key of SECTIONS."""
    found: dict[str, str] = {}
    starts = sorted((text.find("\n" + heading), key) for key, heading in SECTIONS.items() if "\n" + heading in text)
    for i, (start, key) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        found[key] = text[start + 1 : end].rstrip("\n") + "\n"
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--quick", action="store_true", help="Smaller grid, fewer repeats, two TNTP networks, fewer samples."
    )
    parser.add_argument("--only", choices=sorted(SECTIONS), help="Run one part; keep the others' sections.")
    parser.add_argument(
        "--tntp",
        type=Path,
        default=Path(os.environ.get("CORRIDOR_TNTP_DIR", ROOT.parent / "shared" / "data" / "tntp")),
        help="Folder of the TNTP networks (default: $CORRIDOR_TNTP_DIR, else ../shared/data/tntp).",
    )
    parser.add_argument(
        "--network",
        action="append",
        metavar="NAME",
        help="Assignment on this TNTP network only (repeat for several): SiouxFalls, Anaheim, Chicago-Sketch, "
        "Barcelona, Winnipeg.",
    )
    parser.add_argument(
        "--budget", type=float, default=300.0, metavar="SECONDS", help="Longest single assignment run (300)."
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="PostgreSQL server for the store benchmark (default: $CORRIDOR_TEST_POSTGRES_URL, else a throwaway "
        "server started by .ci/postgres.sh).",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()

    report = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    previous = sections_of(report) if report else {}
    parts = dict(previous)
    if args.only in (None, "routing"):
        parts["routing"] = routing_section(bench_routing(args.quick))
    if args.only in (None, "assignment"):
        import assignment

        networks = args.network or (["SiouxFalls", "Anaheim"] if args.quick else None)
        outcome = assignment.bench(args.tntp.resolve(), networks=networks, budget_s=args.budget)
        parts["assignment"] = assignment.report_section(outcome)
    if args.only in (None, "capacity"):
        import capacity

        rows_c = capacity.bench(args.tntp.resolve(), networks=args.network, budget_s=args.budget)
        parts["capacity"] = capacity.report_section(rows_c, command_line(args))
    if args.only in (None, "reliability"):
        import reliability

        parts["reliability"] = reliability.report_section(reliability.bench(args.quick), command_line(args))
    if args.only in (None, "scenarios"):
        import scenarios

        outcome_s = scenarios.bench(args.quick, postgres=args.postgres)
        parts["scenarios"] = scenarios.report_section(outcome_s, command_line(args))
    if args.only in (None, "service"):
        import service

        parts["service"] = service.report_section(service.bench(args.quick), command_line(args))
    if args.only in (None, "jobs"):
        import service

        timings, about = service.bench_jobs(args.quick)
        parts["jobs"] = service.jobs_section(timings, about, command_line(args))
    if args.only in (None, "appraisal"):
        import appraisal

        parts["appraisal"] = appraisal.report_section(appraisal.bench(args.quick), command_line(args))
    if args.only in (None, "power"):
        import power

        parts["power"] = power.report_section(power.bench(args.quick), command_line(args))
    missing = {key: f"{SECTIONS[key]}\n\nNot measured yet: `benchmarks/run.py --only {key}`.\n" for key in SECTIONS}
    text = header(report) + "\n" + "\n".join(parts.get(key, missing[key]) for key in SECTIONS)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
