"""The emitter's name locations: the one formatter and parser of `op<i>:<name>` and `cst<i>:<kind>`.

fuzzir puts a name location on every op and constant it emits so that, after IREE
has moved them into dispatches, the IR checks can still say which op and which
constant they saw. Everything that reads such a name back goes through here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OpName:
    """An op of a fuzzir program: its position in the program and its MLIR name."""

    index: int
    name: str

    def __str__(self) -> str:
        return op_loc(self.index, self.name)


def op_loc(index: int, name: str) -> str:
    """'op2:linalg.matmul'."""
    return f"op{index}:{name}"


def literal_loc(index: int, init_kind: str) -> str:
    """'cst1:nonsplat'."""
    return f"cst{index}:{init_kind}"


def parse_op_loc(text: str) -> OpName | None:
    """'op2:linalg.matmul' -> OpName(2, 'linalg.matmul'); anything else -> None."""
    head, sep, name = text.partition(":")
    if not sep or not name or not head.startswith("op") or not head[2:].isdigit():
        return None
    if not all(c.isalnum() or c in "._" for c in name):
        return None
    return OpName(int(head[2:]), name)


def op_index(text: str, n_ops: int) -> int | None:
    """The op index a name location points at, if it is one of `n_ops` ops."""
    parsed = parse_op_loc(text)
    return parsed.index if parsed is not None and parsed.index < n_ops else None


def literal_kind(text: str) -> str | None:
    """'cst1:nonsplat' -> 'nonsplat'; anything else -> None."""
    head, sep, kind = text.partition(":")
    if sep and head.startswith("cst") and head[3:].isdigit() and kind:
        return kind
    return None
