"""Oracles: the numpy reference and the IR checks."""
