"""Equilibrium assignment against AequilibraE on the TNTP networks, same machine, same run.

Run through the single entry point:  .venv-bench/bin/python benchmarks/run.py [--only assignment] [--tntp DIR]

For every network and target relative gap (1e-4, 1e-6): corridor (the faster of bi-conjugate Frank-Wolfe and
Algorithm B, when the checkout has it) and AequilibraE (``bfw``; ``cfw`` and ``fw`` too at 1e-4), after a warm-up,
each run capped by an iteration limit and a time budget. corridor reads the files with its own TNTP reader,
AequilibraE gets a graph from this module's parse of them; both answers are then checked with one independent
objective and one independent relative gap (scipy shortest paths), so the ratios compare the same problem solved
to the same accuracy.

AequilibraE is not a dependency of corridor: it lives in the benchmark environment only (benchmarks/requirements.txt).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TNTP = ROOT.parent / "shared" / "data" / "tntp"
GAPS = (1e-4, 1e-6)
CORES = 2


@dataclass(frozen=True)
class Case:
    """One TNTP network of the benchmark and its published best-known objective (SOURCE.md)."""

    name: str
    folder: str
    best_objective: float
    toll_factor: float = 0.0  # minutes per toll unit (cents)
    distance_factor: float = 0.0  # minutes per length unit (miles)
    reference_is_tight: bool = True  # False: compare to the best converged solution of this run instead


CASES = (
    Case("SiouxFalls", "SiouxFalls", 4_231_335.287),
    Case("Anaheim", "Anaheim", 1_286_032.171),
    Case("Chicago-Sketch", "Chicago-Sketch", 17_313_018.739, toll_factor=0.02, distance_factor=0.04),
    Case("Barcelona", "Barcelona", 1_265_654.922, reference_is_tight=False),
    Case("Winnipeg", "Winnipeg", 827_911.495),
)


# --- the problem as the files give it (the AequilibraE side and the yardstick read this) ----------------------


@dataclass(frozen=True, eq=False)
class Tntp:
    """A TNTP network as the files give it: one row per link, 1-based node numbers, the OD matrix, best flows."""

    name: str
    folder: Path
    zones: int
    nodes: int
    first_thru_node: int
    links: pd.DataFrame  # tail, head, capacity, length, fft, b, power, toll (file order)
    demand: NDArray[np.float64]  # (Z, Z)
    reference_flow: NDArray[np.float64]  # (E,) from *_flow.tntp, in link order

    def fixed_cost(self, toll_factor: float, distance_factor: float) -> NDArray[np.float64]:
        out: NDArray[np.float64] = (
            toll_factor * self.links["toll"].to_numpy() + distance_factor * self.links["length"].to_numpy()
        )
        return out


def _metadata(text: str) -> dict[str, str]:
    return {k.strip(): v.strip() for k, v in re.findall(r"<([^>]+)>([^\n<]*)", text.split("<END OF METADATA>")[0])}


def read_tntp(folder: Path) -> Tntp:
    """Parse ``*_net.tntp``, ``*_trips.tntp`` and ``*_flow.tntp`` of one TNTP folder."""
    nets = sorted(folder.glob("*_net.tntp"))
    if not nets:
        raise FileNotFoundError(f"No *_net.tntp in {folder}")
    stem = nets[0].name[: -len("_net.tntp")]
    text = nets[0].read_text(encoding="utf-8")
    meta = _metadata(text)
    body = text.split("<END OF METADATA>", 1)[1]
    rows = [
        line.strip().rstrip(";").split()[:10]
        for line in body.splitlines()
        if line.strip() and not line.lstrip().startswith("~")
    ]
    names = ["tail", "head", "capacity", "length", "fft", "b", "power", "speed", "toll", "type"]
    links = pd.DataFrame(np.array(rows, dtype=np.float64), columns=names)
    links[["tail", "head"]] = links[["tail", "head"]].astype(np.int64)
    links = links.drop(columns=["speed", "type"])

    zones = int(meta["NUMBER OF ZONES"])
    demand = _read_trips(folder / f"{stem}_trips.tntp", zones)

    flow = pd.read_csv(folder / f"{stem}_flow.tntp", sep=r"\s+", header=0, names=["tail", "head", "flow", "cost"])
    flow = flow.groupby(["tail", "head"], as_index=False)["flow"].sum()
    ref = links.merge(flow, on=["tail", "head"], how="left")["flow"].to_numpy()
    if np.isnan(ref).any():
        raise ValueError(f"{stem}_flow.tntp has no flow for {int(np.isnan(ref).sum())} links")
    return Tntp(
        name=stem,
        folder=folder,
        zones=zones,
        nodes=int(meta["NUMBER OF NODES"]),
        first_thru_node=int(meta["FIRST THRU NODE"]),
        links=links,
        demand=demand,
        reference_flow=ref,
    )


def _read_trips(path: Path, zones: int) -> NDArray[np.float64]:
    text = path.read_text(encoding="utf-8").split("<END OF METADATA>", 1)[1]
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("~"))
    demand = np.zeros((zones, zones))
    for block in re.split(r"Origin\s+", text)[1:]:
        origin, _, pairs = block.partition("\n")
        o = int(origin.split()[0]) - 1
        for d, v in re.findall(r"(\d+)\s*:\s*([-+\d.eE]+)", pairs):
            demand[o, int(d) - 1] += float(v)
    return demand


# --- one yardstick for both peers -------------------------------------------------------------------------------


def link_cost(t: Tntp, flow: NDArray[np.float64], fixed: NDArray[np.float64]) -> NDArray[np.float64]:
    """Generalized cost of every link at ``flow``: fft (1 + B (v/c)^power) + fixed (0^0 = 1: constant time)."""
    links = t.links
    fft, b, power, cap = (links[c].to_numpy() for c in ("fft", "b", "power", "capacity"))
    out: NDArray[np.float64] = fft * (1.0 + b * np.power(flow / cap, power)) + fixed
    return out


def objective(t: Tntp, flow: NDArray[np.float64], fixed: NDArray[np.float64]) -> float:
    """Beckmann objective plus fixed costs: the sum over links of the integral of the cost from 0 to the flow."""
    links = t.links
    fft, b, power, cap = (links[c].to_numpy() for c in ("fft", "b", "power", "capacity"))
    integral = fft * flow + fft * b * cap / (power + 1.0) * np.power(flow / cap, power + 1.0)
    return float(integral.sum() + fixed @ flow)


def conservation_error(t: Tntp, flow: NDArray[np.float64]) -> float:
    """Largest violation of flow conservation at a node (out - in = trips produced - trips attracted)."""
    balance = np.zeros(t.nodes)
    np.add.at(balance, t.links["tail"].to_numpy() - 1, flow)
    np.subtract.at(balance, t.links["head"].to_numpy() - 1, flow)
    balance[: t.zones] -= t.demand.sum(axis=1) - t.demand.sum(axis=0)
    return float(np.abs(balance).max())


def relative_gap(t: Tntp, flow: NDArray[np.float64], fixed: NDArray[np.float64]) -> float:
    """(sum c x - sum of demand x shortest path cost) / sum c x at ``flow``, by scipy's Dijkstra.

    Zones below FIRST THRU NODE may end a path but not be passed through: their incoming links lead to a copy
    of the node that has no outgoing links.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    cost = link_cost(t, flow, fixed)
    tail = t.links["tail"].to_numpy() - 1
    head = t.links["head"].to_numpy() - 1
    sink = np.where(t.links["head"].to_numpy() < t.first_thru_node, t.nodes + head, head)
    arcs = (
        pd.DataFrame({"tail": tail, "head": sink, "cost": cost})
        .groupby(["tail", "head"], as_index=False)["cost"]
        .min()
        .sort_values(["tail", "head"])
    )
    n = t.nodes + t.zones
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, arcs["tail"].to_numpy() + 1, 1)
    # Built from (data, indices, indptr) so that zero-cost arcs stay explicit edges.
    graph = csr_matrix((arcs["cost"].to_numpy(), arcs["head"].to_numpy(), np.cumsum(indptr)), shape=(n, n))
    demand = t.demand.copy()
    np.fill_diagonal(demand, 0.0)
    origins = np.flatnonzero(demand.sum(axis=1) > 0)
    zones = np.arange(t.zones)
    destination = np.where(zones + 1 < t.first_thru_node, t.nodes + zones, zones)
    dist = dijkstra(graph, directed=True, indices=origins)[:, destination]
    least = float((demand[origins] * np.where(demand[origins] > 0, dist, 0.0)).sum())
    current = float(cost @ flow)
    return (current - least) / current


# --- the two peers ----------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One timed assignment and what it reached."""

    tool: str
    algorithm: str
    target: float
    iterations: int
    seconds: float  # the assignment itself: corridor's result.seconds, AequilibraE's execute()
    wall: float  # the whole call (corridor: checks and set-up of assign(); AequilibraE: same as seconds)
    reported_gap: float  # the tool's own last relative gap
    reached: bool  # the tool stopped on the gap (not on the iteration cap or the time budget)
    flow: NDArray[np.float64]  # link flows in the order of the TNTP file
    gap: float = math.nan  # relative gap at ``flow`` by :func:`relative_gap`
    objective: float = math.nan  # by :func:`objective`
    own_objective: float = math.nan  # the tool's own (corridor reports one)
    stopped: str = ""  # why it stopped: "gap", "budget", "iteration cap", or cut short as slower than another
    others: float = math.nan  # cores kept busy by other processes meanwhile, on average (see cpu_sample)
    history: list[tuple[int, float, float]] = field(default_factory=list)  # iteration, gap, seconds


def unusable_links(t: Tntp) -> NDArray[np.bool_]:
    """Links no path between zones can use: into a node with no way out, or out of one with no way in (not zones)."""
    tail, head = t.links["tail"].to_numpy(), t.links["head"].to_numpy()
    keep = np.ones(tail.size, dtype=bool)
    while True:
        out_degree = np.bincount(tail[keep], minlength=t.nodes + 1)
        in_degree = np.bincount(head[keep], minlength=t.nodes + 1)
        dead = keep & (((out_degree[head] == 0) & (head > t.zones)) | ((in_degree[tail] == 0) & (tail > t.zones)))
        if not dead.any():
            return ~keep
        keep &= ~dead


def aequilibrae_frame(
    t: Tntp, fixed: NDArray[np.float64], *, keep_unusable: bool = False
) -> tuple[pd.DataFrame, list[str]]:
    """The network as an AequilibraE graph table, and what had to change for AequilibraE to take it as it is.

    Every change keeps the problem exact:

    - AequilibraE refuses BPR powers below 1: a link of power 0 has the constant time fft (1 + B), so it gets
      free-flow time fft (1 + B), B = 0 and power 1.
    - It refuses free-flow times of 0: such a link has the constant cost of its fixed part, so that cost moves into
      its free-flow time (B = 0) and its fixed cost becomes 0.
    - Its link contraction takes a node with two links for a pass-through node whatever their directions, so two
      one-way links into a dead end (Barcelona's node 1008) become a two-way shortcut between their tails.
      Links that no path between zones can use carry no flow in any solution; they are left out of its graph
      (unless ``keep_unusable``, to show what happens otherwise).
    """
    if 1 < t.first_thru_node != t.zones + 1:
        raise ValueError(f"{t.name}: AequilibraE blocks paths through all zones or none (FIRST THRU NODE)")
    links = t.links
    frame = pd.DataFrame(
        {
            "link_id": np.arange(1, len(links) + 1, dtype=np.int64),
            "a_node": links["tail"].to_numpy(),
            "b_node": links["head"].to_numpy(),
            "direction": np.ones(len(links), dtype=np.int8),
            "free_flow_time": links["fft"].to_numpy(),
            "capacity": links["capacity"].to_numpy(),
            "b": links["b"].to_numpy(),
            "power": links["power"].to_numpy(),
            "fixed_cost": fixed.astype(np.float64),
        }
    )
    changes = []
    constant = frame["power"] < 1
    if constant.any():
        frame.loc[constant, "free_flow_time"] *= 1.0 + frame.loc[constant, "b"]
        frame.loc[constant, ["b", "power"]] = [0.0, 1.0]
        changes.append(f"{int(constant.sum())} links of power 0 given B = 0, power 1 and free-flow time fft (1 + B)")
    zero = frame["free_flow_time"] <= 0
    if zero.any():
        if (frame.loc[zero, "fixed_cost"] <= 0).any():
            raise ValueError(f"{t.name}: links with neither a free-flow time nor a fixed cost; AequilibraE needs one")
        frame.loc[zero, "free_flow_time"] = frame.loc[zero, "fixed_cost"]
        frame.loc[zero, ["b", "fixed_cost"]] = 0.0
        changes.append(f"{int(zero.sum())} links of free-flow time 0 given their fixed cost as free-flow time")
    unusable = unusable_links(t)
    if unusable.any() and not keep_unusable:
        ends = sorted({int(n) for n in links.loc[unusable, "head"]} - {int(n) for n in links.loc[unusable, "tail"]})
        frame = frame[~unusable].reset_index(drop=True)
        changes.append(
            f"{int(unusable.sum())} links into dead-end node(s) {', '.join(map(str, ends))} left out (no path "
            "between zones can use them; AequilibraE's link contraction would make them a two-way shortcut)"
        )
    return frame, changes


def run_aequilibrae(
    t: Tntp,
    frame: pd.DataFrame,
    *,
    algorithm: str,
    target: float,
    max_iter: int,
    budget_s: float,
) -> Run:
    """One AequilibraE assignment of ``t``; only ``execute()`` is timed (graph and matrix are built before)."""
    os.environ.setdefault("AEQ_SHOW_PROGRESS", "FALSE")  # tqdm bars inside the timed loop would cost time
    from aequilibrae.matrix import AequilibraeMatrix
    from aequilibrae.paths import Graph, TrafficAssignment, TrafficClass

    centroids = np.arange(1, t.zones + 1, dtype=np.int64)
    graph = Graph()
    graph.network = frame.copy()
    graph.prepare_graph(centroids)
    graph.set_graph("free_flow_time")
    graph.set_blocked_centroid_flows(t.first_thru_node > 1)

    matrix = AequilibraeMatrix()
    matrix.create_empty(zones=t.zones, matrix_names=["demand"], memory_only=True)
    matrix.index[:] = centroids
    matrix.matrices[:, :, 0] = t.demand
    matrix.computational_view(["demand"])

    traffic_class = TrafficClass("car", graph, matrix)
    if (frame["fixed_cost"] > 0).any():
        traffic_class.set_fixed_cost("fixed_cost", multiplier=1)
    assig = TrafficAssignment()
    assig.set_classes([traffic_class])
    assig.set_vdf("BPR")
    assig.set_vdf_parameters({"alpha": "b", "beta": "power"})
    assig.set_capacity_field("capacity")
    assig.set_time_field("free_flow_time")
    assig.set_algorithm(algorithm)
    assig.max_iter = int(max_iter)
    assig.rgap_target = float(target)
    assig.set_cores(CORES)
    budget = _Budget(assig.assignment, budget_s)
    assig.assignment.signal = budget

    budget.start = time.perf_counter()
    with contextlib.suppress(_OutOfBudget), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # cfw divides 0 by 0 near convergence
        assig.execute()
    seconds = time.perf_counter() - budget.start

    report = assig.assignment.convergence_report
    rgaps = [float(g) for g in report["rgap"]]
    last_gap = rgaps[-1] if rgaps else math.nan
    # Links left out of the graph (see aequilibrae_frame) carry nothing.
    ids = np.arange(1, len(t.links) + 1)
    flows = assig.results()["PCE_AB"].reindex(ids, fill_value=0.0).to_numpy()
    return Run(
        tool="AequilibraE",
        algorithm=algorithm,
        target=target,
        iterations=int(report["iteration"][-1]),
        seconds=seconds,
        wall=seconds,
        reported_gap=last_gap,
        reached=bool(last_gap <= target) and bool(np.isfinite(flows).all()),
        flow=flows,
        history=list(zip(report["iteration"], rgaps, report["time"], strict=True)),
    )


class _OutOfBudget(Exception):
    pass


class _Budget:
    """Stands in for AequilibraE's progress signal and stops the run once its time budget is spent.

    AequilibraE has an iteration cap but no time limit. At the end of every iteration its loop emits a
    "set_text" signal. Past the budget we set the target gap to infinity, so that the next iteration ends the
    loop the ordinary way (flows and report stay consistent; its own last gap tells whether it got there). Should
    that not stop it (a gap that is not a number fails every test), the signal raises one iteration later and the
    flows of that moment are taken as they are.
    """

    def __init__(self, assignment: Any, seconds: float) -> None:
        self.assignment = assignment
        self.seconds = seconds
        self.start = time.perf_counter()
        self.spent = False

    def emit(self, value: Sequence[Any]) -> None:
        if (
            value[0] == "set_text"
            and str(value[1]).startswith("Equilibrium Assignment - Iteration")
            and time.perf_counter() - self.start > self.seconds
        ):
            if self.spent:
                raise _OutOfBudget
            self.spent = True
            self.assignment.rgap_target = math.inf


def corridor_network(t: Tntp) -> tuple[Any, NDArray[np.int64], str]:
    """corridor's own reading of the network, the TNTP row of each of its links, and which reader was used.

    ``corridor.dataset.tntp.network_from_tntp`` when the checkout has it; until then a FlowNetwork built here from the
    same parse the AequilibraE side uses (one element per link, t0 = fft, as the reader documents).
    """
    from corridor.dataset.flownet import Demand, FlowNetwork, TrafficClass, one_element_per_link

    try:
        from corridor.dataset.tntp import network_from_tntp
    except ImportError:
        pass
    else:
        net = network_from_tntp(t.folder)
        labels = net.node_ids or tuple(str(i + 1) for i in range(net.n_nodes))
        row = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(t.links["tail"], t.links["head"], strict=True))}
        order = np.array([row[int(labels[a]), int(labels[b])] for a, b in zip(net.tail, net.head, strict=True)])
        return net, order, "`corridor.dataset.tntp.network_from_tntp`"

    links = t.links
    n = len(links)
    element_ptr, element_link = one_element_per_link(n)
    ids = tuple(f"{a}-{b}" for a, b in zip(links["tail"], links["head"], strict=True))
    fft = links["fft"].to_numpy()
    net = FlowNetwork(
        name=t.name,
        n_nodes=t.nodes,
        zones=tuple(str(z + 1) for z in range(t.zones)),
        origin_node=np.arange(t.zones, dtype=np.int64),
        destination_node=np.arange(t.zones, dtype=np.int64),
        no_through=np.arange(1, t.nodes + 1) < t.first_thru_node,
        link_ids=ids,
        tail=links["tail"].to_numpy() - 1,
        head=links["head"].to_numpy() - 1,
        free_flow_time=fft.copy(),
        length=links["length"].to_numpy(),
        toll=links["toll"].to_numpy(),
        element_ids=ids,
        element_ptr=element_ptr,
        element_link=element_link,
        vdf=np.zeros(n, dtype=np.int8),
        t0=fft.copy(),
        capacity=links["capacity"].to_numpy(),
        alpha=links["b"].to_numpy(),
        beta=links["power"].to_numpy(),
        demand=Demand((TrafficClass("all", t.demand),)),
        reference_flow=t.reference_flow,
    )
    return (
        net,
        np.arange(n),
        "a FlowNetwork built by benchmarks/assignment.py (corridor.dataset.tntp not in this checkout)",
    )


def run_corridor(
    network: Any,
    order: NDArray[np.int64],
    case: Case,
    *,
    algorithm: str,
    target: float,
    max_iter: int,
    budget_s: float,
) -> Run:
    """One corridor assignment; ``seconds`` is the algorithm (result.seconds), ``wall`` the whole assign() call."""
    from corridor.assignment.solve import assign

    start = time.perf_counter()
    result = assign(
        network,
        algorithm=algorithm,
        gap=target,
        max_iter=max_iter,
        max_seconds=budget_s,
        toll_factor=case.toll_factor,
        distance_factor=case.distance_factor,
        threads=CORES,
    )
    wall = time.perf_counter() - start
    flow = np.zeros(len(order))
    flow[order] = result.link_flow
    return Run(
        tool="corridor",
        algorithm=algorithm,
        target=target,
        iterations=result.iterations,
        seconds=result.seconds,
        wall=wall,
        reported_gap=result.relative_gap,
        reached=bool(result.converged),
        flow=flow,
        own_objective=result.objective,
        history=[(int(h[0]), float(h[1]), float(h[4])) for h in result.history],
    )


@dataclass(frozen=True)
class CpuSample:
    """CPU seconds spent by the whole machine and by this process, and the wall clock, at one moment."""

    machine: float
    own: float
    wall: float


def cpu_sample() -> CpuSample | None:
    """Now, from /proc/stat (Linux); None elsewhere."""
    try:
        first = Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0].split()
    except OSError:
        return None
    ticks = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    busy = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
    own = os.times()  # with the children this process has waited for (a benchmark's own subprocesses)
    return CpuSample(busy, own.user + own.system + own.children_user + own.children_system, time.perf_counter())


def others_between(start: CpuSample | None, end: CpuSample | None) -> float:
    """Cores kept busy by other processes between two samples, on average."""
    if start is None or end is None or end.wall <= start.wall:
        return math.nan
    return max(0.0, (end.machine - start.machine) - (end.own - start.own)) / (end.wall - start.wall)


def median_run(run: Callable[[], Run], *, short_s: float = 1.0) -> Run:
    """One run; when it takes under ``short_s``, the median (by time) of three."""
    first = run()
    if first.wall >= short_s:
        return first
    runs = sorted([first, run(), run()], key=lambda r: r.wall)
    return runs[1]


# --- the benchmark ----------------------------------------------------------------------------------------------


@dataclass
class Measured:
    """Every run on one network, checked with the same yardstick."""

    case: Case
    tntp: Tntp
    runs: list[Run]
    reference_objective: float
    reference_label: str
    aequilibrae_changes: list[str]
    control: Run | None = None  # AequilibraE bfw to 1e-4 on the graph with the unusable links left in

    def best(self, tool: str, target: float) -> Run:
        """The fastest run of ``tool`` that reached ``target``; if none did, the one that got closest."""
        runs = [r for r in self.runs if r.tool == tool and r.target == target]
        reached = [r for r in runs if r.reached]
        if reached:
            return min(reached, key=lambda r: r.wall)
        return min(runs, key=lambda r: r.reported_gap)

    def objective_error(self, run: Run) -> float:
        return (run.objective - self.reference_objective) / self.reference_objective

    def rmse(self, run: Run) -> float:
        return float(np.sqrt(np.mean((run.flow - self.tntp.reference_flow) ** 2)))


@dataclass
class Outcome:
    """What :func:`bench` measured, and what the report needs to say about how."""

    measured: list[Measured]
    reader: str
    bush: str  # "yes", or why Algorithm B was skipped
    budget_rule: str
    others: float  # cores kept busy by other processes during the whole assignment benchmark, on average


def bench(
    tntp_dir: Path,
    *,
    networks: Sequence[str] | None = None,
    budget_s: float = 300.0,
    max_iter: int = 100_000,
    log: Callable[[str], None] = print,
) -> Outcome:
    """Run both peers on every network at every target gap; see the module docstring."""
    cases = [c for c in CASES if networks is None or c.name in networks]
    if networks is not None and len(cases) != len(set(networks)):
        known = ", ".join(c.name for c in CASES)
        raise SystemExit(f"Unknown network in {', '.join(networks)}; known: {known}")
    missing = [c.folder for c in cases if not (tntp_dir / c.folder).is_dir()]
    if missing:
        raise SystemExit(
            f"TNTP networks {', '.join(missing)} not found under {tntp_dir}; pass --tntp DIR or set CORRIDOR_TNTP_DIR"
        )
    os.environ.setdefault("AEQ_SHOW_PROGRESS", "FALSE")  # read when aequilibrae is imported
    try:
        peer_version = version("aequilibrae")
    except PackageNotFoundError:
        raise SystemExit(
            "AequilibraE is not installed in this environment. Build the benchmark environment (see "
            "docs/benchmarks.md): python3 -m venv .venv-bench && .venv-bench/bin/pip install -c requirements.lock "
            "-e . -r benchmarks/requirements.txt"
        ) from None
    log(f"AequilibraE {peer_version}")

    started = cpu_sample()
    # Warm-up on SiouxFalls: numba compiles corridor's kernels on first use (and caches them on disk);
    # AequilibraE's first execute() pays imports and first-touch costs.
    warm_case = CASES[0]
    warm = read_tntp(tntp_dir / warm_case.folder)
    net, order, reader = corridor_network(warm)
    frame, _ = aequilibrae_frame(warm, warm.fixed_cost(0.0, 0.0))
    bush = "yes"
    from corridor.assignment.solve import warmup

    warmup()  # every kernel, the parallel loading of large networks included
    for algorithm in ("bfw", "bush"):
        try:
            run_corridor(net, order, warm_case, algorithm=algorithm, target=1e-3, max_iter=1000, budget_s=30.0)
        except ImportError as error:
            bush = f"not in this checkout ({error})"
    for algorithm in ("bfw", "cfw"):
        run_aequilibrae(warm, frame, algorithm=algorithm, target=1e-3, max_iter=1000, budget_s=30.0)
    ours = ("bfw", "bush") if bush == "yes" else ("bfw",)

    measured = []
    for case in cases:
        tntp = read_tntp(tntp_dir / case.folder)
        fixed = tntp.fixed_cost(case.toll_factor, case.distance_factor)
        net, order, _ = corridor_network(tntp)
        frame, changes = aequilibrae_frame(tntp, fixed)
        runs: list[Run] = []
        for target in GAPS:
            ours_run = partial(run_corridor, net, order, case, target=target, max_iter=max_iter)
            peer_run = partial(run_aequilibrae, tntp, frame, target=target, max_iter=max_iter)
            mine = race(ours_run, ours, budget_s, max_iter)
            theirs = race(peer_run, ("bfw", "cfw", "fw") if target > 1e-5 else ("bfw",), budget_s, max_iter)
            for run in mine + theirs:
                log(_line(case, run))
            runs += mine + theirs
        control = None
        if unusable_links(tntp).any():
            as_is, _ = aequilibrae_frame(tntp, fixed, keep_unusable=True)
            control = run_aequilibrae(tntp, as_is, algorithm="bfw", target=1e-4, max_iter=max_iter, budget_s=budget_s)
            control.stopped = "control"
            log(_line(case, control) + " (unusable links left in)")
        for run in [*runs, *([control] if control else [])]:
            run.objective = objective(tntp, run.flow, fixed)
            run.gap = relative_gap(tntp, run.flow, fixed)
        if case.reference_is_tight:
            reference, label = case.best_objective, "best-known objective (SOURCE.md)"
        else:
            reference = float(np.nanmin([r.objective for r in runs]))
            label = (
                f"{reference:,.3f}, the lowest objective any run reached here, as SOURCE.md advises (it finds the "
                f"published flows, objective {case.best_objective:,.3f}, not a tight optimum)"
            )
        measured.append(Measured(case, tntp, runs, reference, label, changes, control))
    others = others_between(started, cpu_sample())
    rule = f"{max_iter:,} iterations or {budget_s:.0f} s, the same for both tools"
    return Outcome(measured, reader, bush, rule, others)


def race(make: Callable[..., Run], algorithms: Sequence[str], budget_s: float, max_iter: int) -> list[Run]:
    """``make(algorithm=a, budget_s=...)`` for each of ``algorithms`` in turn: the first gets the whole budget.

    Only the fastest algorithm of each tool enters the comparison, so a run slower than one that already reached
    the gap is cut there (with a margin of 10 % and half a second) instead of spending the whole budget.
    """
    runs: list[Run] = []
    for algorithm in algorithms:
        done = [r for r in runs if r.reached]
        best = min(done, key=lambda r: r.wall) if done else None
        cap = min(budget_s, 1.1 * best.wall + 0.5) if best else budget_s
        before = cpu_sample()
        run = median_run(partial(make, algorithm=algorithm, budget_s=cap))
        run.others = others_between(before, cpu_sample())
        if run.reached:
            run.stopped = "gap"
        elif run.iterations >= max_iter:
            run.stopped = "iteration cap"
        elif best is not None:
            run.stopped = f"cut at {_s(cap)}: slower than {best.algorithm}"
        else:
            run.stopped = "budget"
        runs.append(run)
    return runs


def _line(case: Case, run: Run) -> str:
    state = "reached" if run.reached else "NOT reached"
    return (
        f"{case.name:15s} {run.target:.0e} {run.tool:12s} {run.algorithm:5s} {run.iterations:6d} it "
        f"{run.seconds:8.2f} s (wall {run.wall:8.2f} s) gap {run.reported_gap:.2e} {state}"
    )


# --- the report -------------------------------------------------------------------------------------------------


def _s(seconds: float) -> str:
    return f"{seconds:.3g} s" if seconds < 1000 else f"{seconds:,.0f} s"


def _time_cell(run: Run) -> str:
    if run.reached:
        return _s(run.seconds)
    return f"not reached in {run.iterations:,} iterations / {_s(run.seconds)} (gap reached {run.reported_gap:.1e})"


def ratio_cell(ours: Run, peer: Run) -> str:
    """AequilibraE time / corridor time; a bound when one of them stopped before the gap."""
    value = f"{peer.seconds / ours.seconds:.3g}"
    if ours.reached and peer.reached:
        return value
    if ours.reached:
        return f"> {value}"
    if peer.reached:
        return f"< {value}"
    return "n/a (neither reached)"


def ratio_value(ours: Run, peer: Run) -> float:
    return peer.seconds / ours.seconds


def _wrap(note: str, width: int = 116) -> list[str]:
    """A markdown list item, wrapped."""
    import textwrap

    return textwrap.wrap(note, width, initial_indent="- ", subsequent_indent="  ", break_on_hyphens=False)


def report_section(outcome: Outcome) -> str:
    """The "Equilibrium assignment" section of docs/benchmarks.md."""
    lines = [
        "## Equilibrium assignment: corridor against AequilibraE",
        "",
        "Time to a relative gap of 1e-4 and of 1e-6 on the TNTP networks (see ../shared/data/tntp/SOURCE.md),",
        "corridor and AequilibraE on the same machine in the same run, both with 2 threads. Time is the assignment",
        "itself: corridor's `AssignmentResult.seconds`, AequilibraE's `TrafficAssignment.execute()`; neither",
        "includes reading files or building the network or graph. Ratio = AequilibraE time / corridor time (above 1:",
        "corridor is faster); '>' marks a lower bound, where AequilibraE stopped on its budget before the gap",
        "('<' an upper bound, where corridor did).",
        "Objective error: (objective - reference) / reference, reference the best-known objective of SOURCE.md",
        "(Barcelona: the lowest objective any run reached here). Flow RMSE: root mean square difference of the link",
        "flows to the published *_flow.tntp (veh/h).",
        "",
        "| network | gap | corridor | iterations | time | objective error | flow RMSE | AequilibraE | iterations "
        "| time | objective error | flow RMSE | ratio |",
        "|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for m in outcome.measured:
        for target in GAPS:
            ours, peer = m.best("corridor", target), m.best("AequilibraE", target)
            lines.append(
                f"| {m.case.name} | {target:.0e} | {ours.algorithm} | {ours.iterations:,} | {_time_cell(ours)} | "
                f"{m.objective_error(ours):.1e} | {m.rmse(ours):.3g} | {peer.algorithm} | {peer.iterations:,} | "
                f"{_time_cell(peer)} | {m.objective_error(peer):.1e} | {m.rmse(peer):.3g} | {ratio_cell(ours, peer)} |"
            )

    lines += ["", "Goals (from the issue):", ""]
    chicago = next((m for m in outcome.measured if m.case.name == "Chicago-Sketch"), None)
    if chicago is not None:
        ours, peer = chicago.best("corridor", 1e-4), chicago.best("AequilibraE", 1e-4)
        met = ours.reached and ratio_value(ours, peer) >= 2.0
        bfw = next(r for r in chicago.runs if r.tool == "corridor" and r.target == 1e-4 and r.algorithm == "bfw")
        alone = "" if ours is bfw else f"; with `bfw` alone {ratio_cell(bfw, peer)}"
        lines.append(
            f"- At most half AequilibraE's time to 1e-4 on Chicago-Sketch (ratio 2 or more): ratio "
            f"{ratio_cell(ours, peer)} (corridor `{ours.algorithm}` against AequilibraE `{peer.algorithm}`{alone}), "
            f"**{'met' if met else 'missed'}**."
        )
    verdicts = []
    for m in outcome.measured:
        ours, peer = m.best("corridor", 1e-6), m.best("AequilibraE", 1e-6)
        faster = ours.reached and (not peer.reached or ours.seconds < peer.seconds)
        verdicts.append(f"{m.case.name} {ratio_cell(ours, peer)} ({'met' if faster else 'missed'})")
    every = all(v.endswith("(met)") for v in verdicts)
    lines.append(
        f"- Reach 1e-6 faster than AequilibraE: **{'met' if every else 'missed'}** on "
        f"{'every network' if every else 'some networks'}: {', '.join(verdicts)}."
    )

    lines += [
        "",
        "Same problem, same answer: each side's final flows checked with one yardstick (the objective and the",
        "relative gap recomputed from the TNTP files, shortest paths by scipy's Dijkstra), and the two solutions",
        "compared link by link.",
        "",
        "| network | gap | checked gap, corridor | checked gap, AequilibraE | objective, AequilibraE vs corridor "
        "| flow RMSE between them | largest link difference |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for m in outcome.measured:
        for target in GAPS:
            ours, peer = m.best("corridor", target), m.best("AequilibraE", target)
            diff = peer.flow - ours.flow
            lines.append(
                f"| {m.case.name} | {target:.0e} | {ours.gap:.2e} | {peer.gap:.2e} | "
                f"{(peer.objective - ours.objective) / ours.objective:+.1e} | "
                f"{float(np.sqrt(np.mean(diff**2))):.3g} | {float(np.abs(diff).max()):.3g} |"
            )

    lines += [
        "",
        "Every run (the tables above take, per tool, the fastest run that reached the gap):",
        "",
        "| network | gap | tool | algorithm | iterations | assignment | whole call | own gap | checked gap "
        "| objective error | stopped on | other load |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for m in outcome.measured:
        for run in m.runs:
            lines.append(
                f"| {m.case.name} | {run.target:.0e} | {run.tool} | {run.algorithm} | {run.iterations:,} | "
                f"{_s(run.seconds)} | {_s(run.wall)} | {run.reported_gap:.2e} | {run.gap:.2e} | "
                f"{m.objective_error(run):.1e} | {run.stopped} | {run.others:.2f} |"
            )

    ours_runs = [r for m in outcome.measured for r in m.runs if r.tool == "corridor"]
    extra = max(r.wall - r.seconds for r in ours_runs)
    own = max(abs(r.own_objective - r.objective) / r.objective for r in ours_runs)
    conserve = max(conservation_error(m.tntp, r.flow) for m in outcome.measured for r in m.runs)
    changes = sorted({f"{m.case.name}: {c}" for m in outcome.measured for c in m.aequilibrae_changes})
    lines += ["", "Notes:", ""]
    notes = [
        f"corridor reads each network with {outcome.reader}. AequilibraE gets a graph built from the benchmark's "
        "own parse of the same files (`Graph.network` from a DataFrame, `prepare_graph(zones)`, "
        "`set_blocked_centroid_flows(FIRST THRU NODE > 1)`, demand as an in-memory `AequilibraeMatrix`, BPR with "
        "per-link B and power, Chicago-Sketch's 0.02 x toll + 0.04 x length as the class's fixed cost). Both "
        "answers are evaluated with the same objective and gap code, so the tables compare one problem; "
        f"corridor's own objective agrees with that code to {own:.0e} (relative) in every run, and flow "
        f"conservation holds in every run to {conserve:.0e} veh/h.",
        "AequilibraE needs the networks restated, exactly (same costs at every flow, same optimum): "
        + ("; ".join(changes) if changes else "nothing needed here")
        + ".",
        *(
            f"{m.case.name} as it is (the unusable links left in), AequilibraE `bfw` to 1e-4 solves a network with a "
            f"shortcut that does not exist: its flows break flow conservation by up to "
            f"{conservation_error(m.tntp, m.control.flow):,.0f} veh/h, their checked gap is "
            f"{m.control.gap:.1e} (its own {m.control.reported_gap:.1e}) and their objective "
            f"{m.objective_error(m.control):+.1e} from the reference."
            for m in outcome.measured
            if m.control is not None
        ),
        *(
            f"{m.case.name}: objective errors are measured against {m.reference_label}; SOURCE.md's value is "
            f"{(m.case.best_objective - m.reference_objective) / m.reference_objective:+.1e} from it, so the published "
            "flows are as tight as any solution here; SOURCE.md's 'converged solution about 1.4e-4 below' matches "
            "AequilibraE on the network with the dead-end links left in (previous note), not the problem itself."
            for m in outcome.measured
            if not m.case.reference_is_tight
        ),
        "Barcelona and Winnipeg have links of constant time, so their equilibrium link flows need not be unique: "
        "there a flow RMSE well above zero (to the published flows, or between the two tools) can go with an "
        "objective error near 1e-9.",
        "Warm-up: one small assignment on SiouxFalls with every algorithm before timing. corridor's kernels are "
        "compiled by numba on first use and cached on disk (`cache=True`), so the first call in a fresh checkout "
        "takes some seconds more; AequilibraE's first `execute()` is also slower than later ones. Runs under one "
        "second are repeated three times and the median is shown.",
        f"corridor's whole `assign()` call (input checks, the free-flow reachability skim) adds at most "
        f"{extra * 1000:.1f} ms to its assignment time in this run; AequilibraE's `execute()` includes its own "
        "set-up of result arrays.",
        "Relative gap: both stop on (sum c x - sum c y) / sum c x with y the all-or-nothing flows, but AequilibraE "
        "evaluates it with the costs of the previous iteration (before its cost update), corridor at the current "
        "flows. The tables take each tool's own stopping test; the 'checked gap' columns recompute the gap the "
        "same way for both, and show where AequilibraE's 'reached' gap is in fact a little above the target.",
        "Algorithms: corridor, the faster of `bfw` and `bush` at each gap (Algorithm B: "
        + ("measured" if outcome.bush == "yes" else "skipped, " + outcome.bush)
        + "; the every-run table has `bfw` alone too). AequilibraE (Frank-Wolfe variants only): `bfw`, `cfw` "
        "and `fw` at 1e-4, `bfw` alone at 1e-6 (the others would add "
        "minutes to the run: `cfw` had not reached 1e-6 on SiouxFalls after 2,000 iterations when tried). A second "
        "algorithm "
        "runs only as long as the first one took to reach the gap (plus 10 % and half a second): it only matters "
        "if it is faster.",
        f"Budgets per run: {outcome.budget_rule}.",
        f"Other load: the cores kept busy by other processes while a run (with its repeats) went on, on average "
        f"(from /proc/stat, less this process's own CPU time); {outcome.others:.2f} of {os.cpu_count()} over the "
        "whole assignment benchmark. "
        + (
            "The machine was busy with other work: both tools ran slower than on an idle machine, and not evenly "
            "(corridor's numba kernels use OpenMP threads, which wait for each other at every parallel loop and "
            "suffer most when another process holds a core). Rerun on an idle machine before quoting seconds."
            if outcome.others > 0.2
            else "The machine was otherwise close to idle."
        ),
    ]
    for note in notes:
        lines += _wrap(note)
    lines.append("")
    return "\n".join(lines)
