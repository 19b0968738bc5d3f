"""The dataset: validated records, the immutable Network, readers of CSV folders, TNTP networks and demand files."""

from __future__ import annotations

from corridor._lazy import lazy_exports

__all__ = [
    "DEFAULT_DATASET",
    "Demand",
    "FlowNetwork",
    "Network",
    "TrafficClass",
    "load_network",
    "network_from_csv",
    "network_from_tntp",
    "network_to_tntp",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Network": "corridor.dataset.network",
        "DEFAULT_DATASET": "corridor.dataset.network",
        "load_network": "corridor.dataset.csvfolder",
        "network_from_csv": "corridor.dataset.csvfolder",
        "network_from_tntp": "corridor.dataset.tntp",
        "network_to_tntp": "corridor.dataset.tntp_write",
        "FlowNetwork": "corridor.dataset.flownet",
        "Demand": "corridor.dataset.flownet",
        "TrafficClass": "corridor.dataset.flownet",
    },
)
