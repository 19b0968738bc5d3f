"""The version of corridor (a leaf, so that any layer may report it)."""

__version__ = "0.1.0"
