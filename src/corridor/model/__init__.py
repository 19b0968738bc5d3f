"""Compiled forms of a Network that every engine shares (the durations of its stochastic elements)."""
