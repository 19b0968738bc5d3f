"""Write a FlowNetwork as TNTP files (net, trips, and optionally flow and node) that read back as the same network."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from corridor.dataset.flownet import VDF_BPR, Demand, FlowNetwork
from corridor.dataset.tntp_net import NET_COLUMNS
from corridor.errors import InvalidOptionError

__all__ = ["network_to_tntp"]

_TOKEN = re.compile(r"[^\s;]+")


def _num(value: float) -> str:
    """The shortest text that reads back as exactly ``value``; whole numbers without ".0"."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _bpr_links(network: FlowNetwork) -> NDArray[np.int64]:
    """For each link, its element; InvalidOptionError unless every link is its own BPR element."""
    n_links = network.n_links
    counts = np.diff(network.element_ptr)
    if network.n_elements != n_links or not np.all(counts == 1):
        raise InvalidOptionError(
            f"Network {network.name!r} cannot be written as TNTP: it has {network.n_elements} capacity elements "
            f"for {n_links} links, and TNTP needs every link to be its own element (no shared ports or services)"
        )
    element_of = np.full(n_links, -1, dtype=np.int64)
    element_of[network.element_link] = np.arange(n_links)
    if np.any(element_of < 0):
        raise InvalidOptionError(
            f"Network {network.name!r} cannot be written as TNTP: some links share an element and others have none"
        )
    not_bpr = np.flatnonzero(network.vdf[element_of] != VDF_BPR)
    if not_bpr.size:
        raise InvalidOptionError(
            f"Network {network.name!r} cannot be written as TNTP: link {network.link_ids[not_bpr[0]]!r} (and "
            f"{not_bpr.size - 1} more) use a volume-delay function other than BPR"
        )
    t0 = network.t0[element_of]
    differ = np.flatnonzero(~np.isclose(t0, network.free_flow_time, rtol=1e-12, atol=0.0))
    if differ.size:
        i = differ[0]
        raise InvalidOptionError(
            f"Network {network.name!r} cannot be written as TNTP: link {network.link_ids[i]!r} has free-flow time "
            f"{float(network.free_flow_time[i])!r} but delay reference time {float(t0[i])!r}; TNTP needs them equal"
        )
    return element_of


def _check_values(network: FlowNetwork, columns: dict[str, NDArray[np.float64]]) -> None:
    for column, values in columns.items():
        bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
        if bad.size:
            i = bad[0]
            raise InvalidOptionError(
                f"Network {network.name!r} cannot be written as TNTP: link {network.link_ids[i]!r} has {column} "
                f"{float(values[i])!r} (a finite number >= 0 is needed)"
            )


def _first_thru_node(network: FlowNetwork) -> int:
    flagged = np.flatnonzero(network.no_through)
    k = flagged.size
    if k and not np.array_equal(flagged, np.arange(k)):
        raise InvalidOptionError(
            f"Network {network.name!r} cannot be written as TNTP: its no-through nodes are not the first nodes "
            "(TNTP flags nodes below <FIRST THRU NODE> only)"
        )
    return k + 1


def _net_text(network: FlowNetwork, element_of: NDArray[np.int64], first_thru: int) -> str:
    n = network.n_links
    capacity = network.capacity[element_of]
    alpha = network.alpha[element_of]
    beta = network.beta[element_of]
    infinite = ~np.isfinite(capacity)
    delayed = infinite & (alpha > 0) & (beta > 0)
    if np.any(delayed):
        i = int(np.flatnonzero(delayed)[0])
        raise InvalidOptionError(
            f"Network {network.name!r} cannot be written as TNTP: link {network.link_ids[i]!r} has infinite "
            "capacity with a delay function (TNTP writes 0 for infinite capacity only on constant-time links)"
        )
    capacity = np.where(infinite, 0.0, capacity)
    unreadable = (capacity == 0) & (alpha > 0) & (beta > 0)
    if np.any(unreadable):
        i = int(np.flatnonzero(unreadable)[0])
        raise InvalidOptionError(
            f"Network {network.name!r} cannot be written as TNTP: link {network.link_ids[i]!r} has zero capacity "
            "with a delay function"
        )
    _check_values(
        network,
        {
            "capacity": capacity,
            "length": network.length,
            "free_flow_time": network.free_flow_time,
            "b": alpha,
            "power": beta,
            "toll": network.toll,
        },
    )
    speed_meta = network.meta.get("speed")
    speed = speed_meta if isinstance(speed_meta, np.ndarray) and speed_meta.shape == (n,) else np.zeros(n)
    type_meta = network.meta.get("link_type")
    link_type = ["1"] * n
    if isinstance(type_meta, tuple | list) and len(type_meta) == n:
        given = [str(t) for t in type_meta]
        if all(_TOKEN.fullmatch(t) for t in given):  # a type with blanks or ';' would break the line
            link_type = given
    head_lines = [
        f"<NUMBER OF ZONES> {network.n_zones}",
        f"<NUMBER OF NODES> {network.n_nodes}",
        f"<FIRST THRU NODE> {first_thru}",
        f"<NUMBER OF LINKS> {n}",
        "<END OF METADATA>",
        "",
        "",
        "~\t" + "\t".join(NET_COLUMNS) + "\t;",
    ]
    body = [
        f"\t{t}\t{h}\t{_num(c)}\t{_num(le)}\t{_num(f)}\t{_num(b)}\t{_num(p)}\t{_num(s)}\t{_num(tl)}\t{k}\t;"
        for t, h, c, le, f, b, p, s, tl, k in zip(
            (network.tail + 1).tolist(),
            (network.head + 1).tolist(),
            capacity.tolist(),
            network.length.tolist(),
            network.free_flow_time.tolist(),
            alpha.tolist(),
            beta.tolist(),
            np.asarray(speed, dtype=np.float64).tolist(),
            network.toll.tolist(),
            link_type,
            strict=True,
        )
    ]
    return "\n".join([*head_lines, *body]) + "\n"


def _trips_text(network: FlowNetwork, demand: Demand) -> str:
    if len(demand.classes) != 1:
        raise InvalidOptionError(
            f"A TNTP trips file holds one OD matrix, but this demand has {len(demand.classes)} classes "
            f"({', '.join(c.name for c in demand.classes)}); pass demand= with one class"
        )
    matrix = np.asarray(demand.classes[0].demand, dtype=np.float64)
    z = network.n_zones
    if matrix.shape != (z, z):
        raise InvalidOptionError(f"The demand matrix is {matrix.shape}, but the network has {z} zones ({z}, {z})")
    if not np.all(np.isfinite(matrix)) or np.any(matrix < 0):
        raise InvalidOptionError("The demand matrix must hold finite numbers >= 0 only")
    lines = [f"<NUMBER OF ZONES> {z}", f"<TOTAL OD FLOW> {_num(float(matrix.sum()))}", "<END OF METADATA>", "", ""]
    per_line = 5
    for o in range(z):
        lines.append(f"Origin\t{o + 1}")
        dests = np.flatnonzero(matrix[o])
        entries = [f"{d + 1:5d} : {_num(v)};" for d, v in zip(dests.tolist(), matrix[o, dests].tolist(), strict=True)]
        lines.extend(" ".join(entries[k : k + per_line]) for k in range(0, len(entries), per_line))
        lines.append("")
    return "\n".join(lines) + "\n"


def _flow_text(network: FlowNetwork, element_of: NDArray[np.int64], flows: NDArray[np.float64]) -> str:
    flows = np.asarray(flows, dtype=np.float64)
    if flows.shape != (network.n_links,):
        raise InvalidOptionError(f"flows has shape {flows.shape}; one value per link ({network.n_links},) is needed")
    if not np.all(np.isfinite(flows)) or np.any(flows < 0):
        raise InvalidOptionError("flows must be finite numbers >= 0")
    capacity = network.capacity[element_of]
    ratio = np.divide(flows, capacity, out=np.zeros_like(flows), where=np.isfinite(capacity))
    time = (
        network.free_flow_time + network.t0[element_of] * network.alpha[element_of] * ratio ** network.beta[element_of]
    )
    rows = [
        f"{t}\t{h}\t{_num(v)}\t{_num(c)}"
        for t, h, v, c in zip(
            (network.tail + 1).tolist(), (network.head + 1).tolist(), flows.tolist(), time.tolist(), strict=True
        )
    ]
    return "\n".join(["From\tTo\tVolume\tCost", *rows]) + "\n"


def _node_text(xy: NDArray[np.float64]) -> str:
    rows = [
        f"{i + 1}\t{_num(x)}\t{_num(y)}\t;" for i, (x, y) in enumerate(xy.tolist()) if np.isfinite(x) and np.isfinite(y)
    ]
    return "\n".join(["Node\tX\tY\t;", *rows]) + "\n"


def _write_text(path: Path, text: str) -> Path:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path`` (never half a file)."""
    from corridor.io.flows import write_atomic

    # The temporary file is private (0600); give the result the mode an ordinary write would, or the old file's.
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        tmp.chmod(mode)

    return write_atomic(path, write)


def network_to_tntp(
    network: FlowNetwork,
    folder: str | Path,
    *,
    name: str | None = None,
    flows: NDArray[np.float64] | None = None,
    demand: Demand | None = None,
) -> list[Path]:
    """Write a network as TNTP files that :func:`network_from_tntp` reads back as the same network.

    Writes ``<name>_net.tntp`` and ``<name>_trips.tntp``; ``<name>_flow.tntp`` (From To Volume Cost, the cost
    being the BPR time at those flows) with ``flows``, or else with the network's ``reference_flow`` if it has
    one; and ``<name>_node.tntp`` when the network has node coordinates. Each file is written to a temporary
    file and renamed, so a failure leaves no half-written file; everything is checked before the first is
    written. Other files in the folder are left alone (an older ``<name>_flow.tntp`` would be read back too).

    Node and zone labels are not kept: TNTP numbers nodes 1..N, and zones must be nodes 1..Z in order. Link
    speed and type are taken from ``meta["speed"]`` and ``meta["link_type"]`` where a TNTP reading left them,
    else written as 0 and 1.

    Parameters
    ----------
    network
        A network whose every link is its own BPR element, with ``t0`` equal to the free-flow time.
    folder
        Where to write; created if missing.
    name
        The file names' prefix; default the network's name.
    flows
        Link flows (one per link) for the flow file.
    demand
        The demand to write (one class); default the network's own.

    Returns
    -------
    list of Path
        The files written, net file first.

    Raises
    ------
    InvalidOptionError
        When the network, demand or flows cannot be written as TNTP, saying why.

    Examples
    --------
    >>> import tempfile
    >>> import corridor
    >>> from corridor.dataset.tntp import tntp_case_folder
    >>> net = corridor.network_from_tntp(tntp_case_folder("SiouxFalls"))  # under CORRIDOR_TNTP_DIR
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     files = corridor.network_to_tntp(net, folder, name="copy")
    ...     again = corridor.network_from_tntp(folder)
    >>> [f.name for f in files][:2], len(again.tail) == len(net.tail)
    (['copy_net.tntp', 'copy_trips.tntp'], True)
    """
    label = network.name if name is None else name
    if not label or label != Path(label).name or label in {".", ".."}:
        raise InvalidOptionError(f"A TNTP name must be a plain file-name prefix, got {label!r}")
    element_of = _bpr_links(network)
    zones = np.arange(network.n_zones)
    if not (np.array_equal(network.origin_node, zones) and np.array_equal(network.destination_node, zones)):
        raise InvalidOptionError(
            f"Network {network.name!r} cannot be written as TNTP: its zones are not nodes 1..{network.n_zones} "
            "(TNTP zones start and end at the node of the same number)"
        )
    chosen = demand if demand is not None else network.demand
    if chosen is None:
        raise InvalidOptionError(f"Network {network.name!r} has no demand of its own: pass demand= to write trips")
    texts = {
        "net": _net_text(network, element_of, _first_thru_node(network)),
        "trips": _trips_text(network, chosen),
    }
    link_flows = flows if flows is not None else network.reference_flow
    if link_flows is not None:
        texts["flow"] = _flow_text(network, element_of, link_flows)
    if network.node_xy is not None and np.any(np.isfinite(network.node_xy).all(axis=1)):
        texts["node"] = _node_text(network.node_xy)
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, text in texts.items():
        written.append(_write_text(target / f"{label}_{kind}.tntp", text))
    return written
