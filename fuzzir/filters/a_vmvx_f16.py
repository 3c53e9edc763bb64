"""VMVX cannot compile f16."""

from __future__ import annotations

from fuzzir.filters import register
from fuzzir.findings import Observation
from fuzzir.model import Program


@register("vmvx-f16-unsupported")
def vmvx_f16(program: Program, o: Observation) -> bool:
    """f16 programs do not compile for VMVX (IREE 3.13): f16 arithmetic reaches the VM as i32
    (`'vm.add.f32' op operand #0 must be 32-bit float, but got 'i32'`) or is left illegal
    (`failed to legalize operation 'arith.constant'` of an f16 value), with or without constants
    in `outs` and with or without the pass: one limitation of the reference backend, not many bugs."""
    return o.kind == "compile-error" and o.target == "vmvx" and "f16" in program.dtypes()
