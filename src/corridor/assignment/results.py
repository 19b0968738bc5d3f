"""Typed results of flow assignment: flows, times, v/c and delay per link and element, convergence, bottlenecks.

Views: DataFrames (``links_frame``, ``elements_frame``, ``bottlenecks``, ``convergence_frame``), a JSON-ready
dict, GeoJSON, and writers for CSV, Parquet and a PNG convergence plot (``corridor.io.flows``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from corridor.dataset.flownet import VDF_NAMES, Demand, FlowNetwork

if TYPE_CHECKING:
    import pandas as pd

    from corridor.assignment.problem import Problem, State

__all__ = ["AssignmentResult", "Unassigned"]


@dataclass(frozen=True, slots=True)
class Unassigned:
    """Demand between two zones that no allowed path connects: reported, never silently dropped."""

    traffic_class: str
    origin: str
    destination: str
    demand: float


@dataclass(frozen=True, eq=False)
class AssignmentResult:
    """The outcome of :func:`corridor.assign`. Arrays are in the network's link and element order.

    Examples
    --------
    >>> import corridor
    >>> result = corridor.assign(corridor.load_network(), year=2024, gap=1e-3)
    >>> result.to_dict()["converged"], len(result.to_frame()) > 0
    (True, True)
    """

    network: FlowNetwork
    algorithm: str
    equilibrium: str  # "ue" or "so"
    iterations: int
    relative_gap: float
    objective: float  # Beckmann integral (UE) or total delay (SO), plus constant and fixed costs
    seconds: float
    converged: bool
    class_names: tuple[str, ...]
    class_flow: NDArray[np.float64]  # (K, E) in each class's units
    link_flow: NDArray[np.float64]  # (E,) PCE-weighted total
    link_time: NDArray[np.float64]  # (E,) congested time (no fixed costs)
    element_volume: NDArray[np.float64]  # (M,)
    element_delay: NDArray[np.float64]  # (M,) delay at that volume
    history: tuple[tuple[int, float, float, float, float], ...]  # iteration, gap, objective, step, seconds
    unassigned: tuple[Unassigned, ...]
    total_demand: float

    @classmethod
    def build(cls, p: Problem, state: State, *, algorithm: str, demand: Demand, seconds: float) -> AssignmentResult:
        from corridor.assignment.kernels import element_delay
        from corridor.assignment.problem import evaluate

        net = p.network
        volume, times, objective = evaluate(p, state.flows)
        delay = element_delay(p.vdf, p.t0, p.cap, p.alpha, p.beta, volume, False)
        class_flow = np.empty_like(state.flows)
        class_flow[:, p.perm] = state.flows
        link_time = np.empty_like(times)
        link_time[p.perm] = times
        last = state.history[-1] if state.history else (0, math.nan, objective, 0.0, 0.0)
        zones = net.zones
        return cls(
            network=net,
            algorithm=algorithm,
            equilibrium="so" if p.so else "ue",
            iterations=int(last[0]),
            relative_gap=float(last[1]),
            objective=float(objective),
            seconds=seconds,
            converged=state.converged,
            class_names=p.class_names,
            class_flow=class_flow,
            link_flow=p.pce @ class_flow,
            link_time=link_time,
            element_volume=volume,
            element_delay=delay,
            history=tuple(state.history),
            unassigned=tuple(Unassigned(c, zones[o], zones[d], q) for c, o, d, q in p.unassigned),
            total_demand=demand.total,
        )

    # --- summaries --------------------------------------------------------------------------------------------

    @property
    def unassigned_demand(self) -> float:
        return sum(u.demand for u in self.unassigned)

    @property
    def element_vc(self) -> NDArray[np.float64]:
        cap = self.network.capacity
        with np.errstate(divide="ignore", invalid="ignore"):
            vc: NDArray[np.float64] = np.where(np.isfinite(cap) & (cap > 0), self.element_volume / cap, np.nan)
        return vc

    def flow_rmse(self) -> float | None:
        """Root mean square difference to the network's reference flows (TNTP best-known), if it has them."""
        ref = self.network.reference_flow
        if ref is None:
            return None
        return float(np.sqrt(np.mean((self.link_flow - ref) ** 2)))

    def link_vc(self) -> NDArray[np.float64]:
        """Per link, the highest v/c of the elements it uses (NaN for links with no capacity limit)."""
        net = self.network
        ptr, elem = net.link_elements
        vc = self.element_vc
        out = np.full(net.n_links, np.nan)
        has = np.diff(ptr) > 0
        if elem.size:
            filled = np.where(np.isnan(vc[elem]), -np.inf, vc[elem])
            best = np.maximum.reduceat(filled, ptr[:-1][has]) if has.any() else np.array([])
            out[has] = np.where(np.isinf(best), np.nan, best)
        return out

    # --- frames ---------------------------------------------------------------------------------------------

    def to_frame(self) -> pd.DataFrame:
        """The links with their flows, times, delays and v/c, one row per link (as :meth:`links_frame`).

        Returns
        -------
        pandas.DataFrame
            One row per link of the network, in its order.

        Examples
        --------
        >>> import corridor
        >>> result = corridor.assign(corridor.flow_network(corridor.load_network()), gap=1e-3)
        >>> len(result.to_frame()) > 0
        True
        """
        return self.links_frame()

    def links_frame(self) -> pd.DataFrame:
        """One row per link: flow (total and per class), free and congested time, delay, v/c."""
        import pandas as pd

        net = self.network
        nodes = net.node_ids or tuple(str(i + 1) for i in range(net.n_nodes))
        frame = pd.DataFrame(
            {
                "link": net.link_ids,
                "label": net.link_labels,
                "kind": net.link_kinds,
                "from": [nodes[i] for i in net.tail],
                "to": [nodes[i] for i in net.head],
                "flow": self.link_flow,
                "free_flow_time": net.free_flow_time + self._element_sum(self._zero_delay()),
                "time": self.link_time,
                "vc": self.link_vc(),
            }
        )
        frame["delay"] = frame["time"] - frame["free_flow_time"]
        if len(self.class_names) > 1:
            for name, flows in zip(self.class_names, self.class_flow, strict=True):
                frame[f"flow_{name}"] = flows
        if net.reference_flow is not None:
            frame["reference_flow"] = net.reference_flow
        return frame

    def _zero_delay(self) -> NDArray[np.float64]:
        from corridor.assignment.kernels import element_delay

        net = self.network
        out: NDArray[np.float64] = element_delay(
            net.vdf, net.t0, net.capacity, net.alpha, net.beta, np.zeros(net.n_elements), False
        )
        return out

    def _element_sum(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        ptr, elem = self.network.link_elements
        sums = np.zeros(self.network.n_links)
        owner = np.repeat(np.arange(self.network.n_links), np.diff(ptr))
        np.add.at(sums, owner, values[elem])
        return sums

    def elements_frame(self) -> pd.DataFrame:
        """One row per capacity element: volume, capacity, v/c, delay, and the delay function."""
        import pandas as pd

        net = self.network
        base = self._zero_delay()
        return pd.DataFrame(
            {
                "element": net.element_ids,
                "label": net.element_labels,
                "kind": net.element_kinds,
                "volume": self.element_volume,
                "capacity": net.capacity,
                "vc": self.element_vc,
                "delay": self.element_delay - base,
                "vdf": [VDF_NAMES[int(v)] for v in net.vdf],
                "t0": net.t0,
                "links": np.diff(net.element_ptr),
            }
        )

    def bottlenecks(self, n: int | None = None) -> pd.DataFrame:
        """Capacity elements ranked by v/c, then by delay; elements without a capacity are left out."""
        frame = self.elements_frame()
        frame = frame[np.isfinite(frame["capacity"]) & (frame["capacity"] > 0)]
        frame = frame.sort_values(["vc", "delay"], ascending=False, kind="stable").reset_index(drop=True)
        frame.insert(0, "rank", np.arange(1, len(frame) + 1))
        out: pd.DataFrame = frame if n is None else frame.head(n)
        return out

    def convergence_frame(self) -> pd.DataFrame:
        """Relative gap, objective, step size and elapsed seconds per iteration."""
        import pandas as pd

        return pd.DataFrame(list(self.history), columns=["iteration", "relative_gap", "objective", "step", "seconds"])

    # --- JSON and GeoJSON -----------------------------------------------------------------------------------

    def to_dict(self, *, top: int = 10) -> dict[str, Any]:
        """The summary as printed by ``corridor assign --json``."""
        rmse = self.flow_rmse()
        bottlenecks = self.bottlenecks(top)
        return {
            "algorithm": self.algorithm,
            "iterations": self.iterations,
            "relative_gap": self.relative_gap,
            "objective": self.objective,
            "seconds": round(self.seconds, 4),
            "converged": self.converged,
            "equilibrium": self.equilibrium,
            "network": self.network.name,
            "time_unit": self.network.time_unit,
            "flow_unit": self.network.flow_unit,
            "classes": list(self.class_names),
            "total_demand": self.total_demand,
            "unassigned_demand": self.unassigned_demand,
            "unassigned": [
                {"class": u.traffic_class, "origin": u.origin, "destination": u.destination, "demand": u.demand}
                for u in self.unassigned
            ],
            "flow_rmse": rmse,
            "bottlenecks": [
                {
                    "element": str(row["element"]),
                    "label": str(row["label"]),
                    "kind": str(row["kind"]),
                    "volume": float(row["volume"]),
                    "capacity": float(row["capacity"]),
                    "utilization": float(row["vc"]),
                    "delay": float(row["delay"]),
                }
                for row in bottlenecks.to_dict(orient="records")
            ],
        }

    def to_geojson(self) -> dict[str, Any]:
        """Links with flow, time, delay and v/c as GeoJSON LineStrings (needs node coordinates).

        Links whose ends share one position (stops at a place) are left out: their flows show on the elements.
        """
        net = self.network
        if net.node_xy is None:
            from corridor.errors import InvalidOptionError

            raise InvalidOptionError(f"Network {net.name!r} has no node coordinates, so no map can be drawn")
        frame = self.links_frame()
        features = []
        xy = net.node_xy
        for i, row in enumerate(frame.to_dict(orient="records")):
            a, b = xy[net.tail[i]], xy[net.head[i]]
            if not (np.isfinite(a).all() and np.isfinite(b).all()) or np.array_equal(a, b):
                continue  # no position, or a stop (transfer, border) that has no length on a map
            props = {
                "link": row["link"],
                "label": row["label"],
                "kind": row["kind"],
                "flow": float(row["flow"]),
                "time": float(row["time"]),
                "delay": float(row["delay"]),
                "vc": None if math.isnan(row["vc"]) else float(row["vc"]),
            }
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[float(a[0]), float(a[1])], [float(b[0]), float(b[1])]],
                    },
                    "properties": props,
                }
            )
        return {
            "type": "FeatureCollection",
            "properties": {"network": net.name, "flow_unit": net.flow_unit, "time_unit": net.time_unit},
            "features": features,
        }
