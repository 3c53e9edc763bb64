"""fuzzir: fuzz and differential testing of IREE for constants in linalg `outs`."""

__version__ = "0.1.0"
