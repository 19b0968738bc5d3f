"""Readers and writers of networks and results: CSV folders, GeoJSON."""

from corridor.io.csvfolder import network_from_csv

__all__ = ["network_from_csv"]
