"""Find and read networks in the TNTP format of the Transportation Networks for Research collection.

The format (https://github.com/bstabler/TransportationNetworks): ``<name>_net.tntp`` lists the links, one a line,
``init term capacity length fft B power speed toll type ;`` after a metadata header of ``<TAG> value`` lines ended
by ``<END OF METADATA>``; ``<name>_trips.tntp`` holds the OD matrix as ``Origin o`` followed by ``d : flow;``
entries; ``<name>_flow.tntp`` (best-known link flows) and ``<name>_node.tntp`` (coordinates) are optional. Lines
starting with ``~`` are comments. Link time is ``fft (1 + B (v / capacity) ^ power)``. The files are read by
``tntp_net`` and ``tntp_trips``; ``tntp_write`` writes them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from corridor.dataset.flownet import VDF_BPR, Demand, FlowNetwork, TrafficClass, one_element_per_link
from corridor.dataset.tntp_net import read_flow, read_net, read_node
from corridor.dataset.tntp_trips import read_trips
from corridor.errors import DatasetError, InvalidOptionError, Problem

__all__ = ["TNTP_CASES", "find_tntp_root", "network_from_tntp", "tntp_case_folder"]

#: The networks of the collection that corridor's tests and benchmarks use: accepted name (lower case) -> folder.
TNTP_CASES: dict[str, str] = {
    "siouxfalls": "SiouxFalls",
    "anaheim": "Anaheim",
    "chicago-sketch": "Chicago-Sketch",
    "chicagosketch": "Chicago-Sketch",
    "barcelona": "Barcelona",
    "winnipeg": "Winnipeg",
}

_ENV_ROOT = "CORRIDOR_TNTP_DIR"


# --------------------------------------------------------------------------------------------------------------
# Finding the data


def find_tntp_root() -> Path | None:
    """The folder that holds the TNTP test networks, or None where there is none.

    The folder named by the environment variable ``CORRIDOR_TNTP_DIR`` if set, else ``shared/data/tntp`` beside
    the repository this package was loaded from (``<repo>/../shared/data/tntp``), if it exists.
    """
    given = os.environ.get(_ENV_ROOT, "").strip()
    if given:
        return Path(given).expanduser()
    here = Path(__file__).resolve()
    if len(here.parents) > 4:  # <repo>/src/corridor/dataset/tntp.py
        candidate = here.parents[4] / "shared" / "data" / "tntp"
        if candidate.is_dir():
            return candidate
    return None


def tntp_case_folder(name: str, root: Path | None = None) -> Path:
    """The folder of a TNTP network by name ("SiouxFalls", "Anaheim", "Chicago-Sketch", "Barcelona", "Winnipeg").

    Names are case-insensitive; "ChicagoSketch" is accepted too, and so is the name of any other subfolder of
    ``root`` (default :func:`find_tntp_root`).

    Raises
    ------
    InvalidOptionError
        For an unknown name, listing the available ones.
    DatasetError
        When no root is given and none is found.
    """
    if root is None:
        root = find_tntp_root()
        if root is None:
            raise DatasetError(
                [
                    Problem(
                        _ENV_ROOT,
                        None,
                        None,
                        "TNTP networks not found: set CORRIDOR_TNTP_DIR or place shared/data/tntp beside the "
                        "repository",
                    )
                ]
            )
    root = Path(root)
    key = name.strip().lower()
    if key in TNTP_CASES:
        return root / TNTP_CASES[key]
    present = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    for folder in present:
        if folder.lower() == key:
            return root / folder
    available = sorted({*TNTP_CASES.values(), *present}, key=str.lower)
    raise InvalidOptionError(f"Unknown TNTP network {name!r}. Available: {', '.join(available)}.")


@dataclass(frozen=True)
class _Files:
    net: Path
    trips: Path
    flow: Path | None
    node: Path | None


def _pick(folder: Path, suffix: str, prefix: str | None, required: bool, what: str) -> Path | None:
    """The one ``*<suffix>`` file of ``folder``, preferring ``<prefix><suffix>``."""
    if prefix is not None and (folder / f"{prefix}{suffix}").is_file():
        return folder / f"{prefix}{suffix}"
    found = sorted(p for p in folder.glob(f"*{suffix}") if p.is_file())
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise DatasetError(
            [Problem(str(folder), None, None, f"holds several {what} files ({names}); keep one network per folder")],
            folder=str(folder),
        )
    if not found:
        if required:
            raise DatasetError(
                [Problem(str(folder), None, None, f"no {what} file (*{suffix}) in this folder")], folder=str(folder)
            )
        return None
    return found[0]


def _locate_files(path: Path) -> _Files:
    if not path.exists():
        raise DatasetError([Problem(str(path), None, None, "no such folder or file")], folder=str(path))
    if path.is_file():
        if not path.name.endswith("_net.tntp"):
            raise DatasetError(
                [Problem(str(path), None, None, "is not a *_net.tntp file; give a TNTP folder or its *_net.tntp")]
            )
        folder, prefix, net = path.parent, path.name[: -len("_net.tntp")], path
    else:
        folder = path
        found = _pick(folder, "_net.tntp", None, True, "network")
        assert found is not None
        net, prefix = found, found.name[: -len("_net.tntp")]
    trips = _pick(folder, "_trips.tntp", prefix, True, "trips")
    assert trips is not None
    return _Files(
        net=net,
        trips=trips,
        flow=_pick(folder, "_flow.tntp", prefix, False, "flow"),
        node=_pick(folder, "_node.tntp", prefix, False, "node"),
    )


# --------------------------------------------------------------------------------------------------------------
# Reading: the network


def _link_ids(tail: NDArray[np.int64], head: NDArray[np.int64]) -> tuple[str, ...]:
    """ "init-term" (1-based), a repeated pair numbered "-2", "-3", ... in order."""
    seen: dict[tuple[int, int], int] = {}
    ids = []
    for pair in zip((tail + 1).tolist(), (head + 1).tolist(), strict=True):
        k = seen.get(pair, 0) + 1
        seen[pair] = k
        ids.append(f"{pair[0]}-{pair[1]}" if k == 1 else f"{pair[0]}-{pair[1]}-{k}")
    return tuple(ids)


def network_from_tntp(folder: str | Path, *, name: str | None = None) -> FlowNetwork:
    """Read a network in TNTP format: a folder holding one ``*_net.tntp`` and ``*_trips.tntp``, or that net file.

    Optional ``*_flow.tntp`` (best-known link flows) becomes ``reference_flow`` and ``*_node.tntp`` (coordinates)
    ``node_xy``. Nodes 1..N become indices 0..N-1, zones are nodes 1..Z, nodes below ``<FIRST THRU NODE>`` are
    ``no_through``. Every link is its own BPR element with ``t0`` its free-flow time; a link whose time is constant
    (b or power 0) has no capacity (``inf``), whatever its capacity column says (0 or a placeholder such as 1).
    Times are taken to be minutes and flows vehicles per hour, as in most of the collection. The networks are not
    shipped with corridor: see the README, "Flows", for where to get them (``CORRIDOR_TNTP_DIR``).

    Parameters
    ----------
    folder
        The folder, or the path of its ``*_net.tntp`` (other files are then found beside it).
    name
        The network's name; default the file name's prefix ("SiouxFalls" for ``SiouxFalls_net.tntp``).

    Returns
    -------
    FlowNetwork
        The links, BPR elements and demand, ready for :func:`assign`.

    Raises
    ------
    DatasetError
        Listing the problems found, each with file, line and column.

    Examples
    --------
    >>> import corridor
    >>> from corridor.dataset.tntp import tntp_case_folder
    >>> net = corridor.network_from_tntp(tntp_case_folder("SiouxFalls"))  # under CORRIDOR_TNTP_DIR
    >>> net.name, len(net.tail)
    ('SiouxFalls', 76)
    """
    path = Path(folder)
    files = _locate_files(path)
    where = str(path)
    problems: list[Problem] = []
    net = read_net(files.net, problems)
    trips = read_trips(files.trips, net.n_zones if net is not None else None, problems)
    if net is None or trips is None:
        raise DatasetError(problems, folder=where)
    matrix, trips_tags = trips
    link_ids = _link_ids(net.tail, net.head)
    flow = read_flow(files.flow, net, link_ids, problems) if files.flow is not None else None
    xy = read_node(files.node, net.n_nodes, problems) if files.node is not None else None
    if problems:
        raise DatasetError(problems, folder=where)

    label = name if name is not None else files.net.name[: -len("_net.tntp")]
    n_links = net.tail.size
    columns = net.columns
    capacity = columns["capacity"].copy()
    # A constant-time link (b or power 0) has no capacity: TNTP's capacity only scales the BPR term, and files put a
    # placeholder there (0, or 1 on the connectors of Barcelona and Winnipeg), which a hard-capacity model would
    # otherwise take for a wall of one vehicle an hour. Zero elsewhere is refused above.
    capacity[(capacity == 0) | (columns["b"] == 0) | (columns["power"] == 0)] = np.inf
    element_ptr, element_link = one_element_per_link(n_links)
    zones = np.arange(net.n_zones, dtype=np.int64)
    meta: dict[str, object] = {
        "format": "tntp",
        **net.tags,
        "number_of_zones": net.n_zones,
        "number_of_nodes": net.n_nodes,
        "first_thru_node": net.first_thru_node,
        "number_of_links": n_links,
        "net_file": str(files.net),
        "trips_file": str(files.trips),
        **{f"trips_{tag}": value for tag, value in trips_tags.items() if tag != "number_of_zones"},
        "speed": columns["speed"],
        "link_type": net.link_type,
    }
    if files.flow is not None:
        meta["flow_file"] = str(files.flow)
    if files.node is not None:
        meta["node_file"] = str(files.node)
    return FlowNetwork(
        name=label,
        n_nodes=net.n_nodes,
        zones=tuple(str(z + 1) for z in range(net.n_zones)),
        origin_node=zones,
        destination_node=zones.copy(),
        no_through=np.arange(net.n_nodes) < net.first_thru_node - 1,
        link_ids=link_ids,
        tail=net.tail,
        head=net.head,
        free_flow_time=columns["free_flow_time"],
        length=columns["length"],
        toll=columns["toll"],
        element_ids=link_ids,
        element_ptr=element_ptr,
        element_link=element_link,
        vdf=np.full(n_links, VDF_BPR, dtype=np.int8),
        t0=columns["free_flow_time"].copy(),
        capacity=capacity,
        alpha=columns["b"],
        beta=columns["power"],
        time_unit="min",
        flow_unit="veh/h",
        node_ids=tuple(str(i + 1) for i in range(net.n_nodes)),
        node_xy=xy,
        demand=Demand(classes=(TrafficClass(name="all", demand=matrix),), label=f"{label} trips"),
        reference_flow=flow,
        meta=meta,
    )
