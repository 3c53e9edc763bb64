"""VMVX cannot compile f16 or bf16."""

from __future__ import annotations

from fuzzir.filters import element_types, register
from fuzzir.findings import Observation
from fuzzir.model import Program


@register("vmvx-f16-unsupported")
def vmvx_f16(program: Program, o: Observation) -> bool:
    """f16 programs do not compile for VMVX (IREE 3.13): f16 arithmetic reaches the VM as i32
    (`'vm.add.f32' op operand #0 must be 32-bit float, but got 'i32'`) or is left illegal
    (`failed to legalize operation 'arith.constant'` of an f16 value), with or without constants
    in `outs` and with or without the pass: one limitation of the reference backend, not many bugs."""
    return o.kind == "compile-error" and o.target == "vmvx" and "f16" in element_types(program)


@register("vmvx-bf16-unsupported")
def vmvx_bf16(program: Program, o: Observation) -> bool:
    """bf16 does not compile for VMVX either (IREE 3.13), the same two ways as f16: an elementwise
    `arith.mulf` of two bf16 tensors into `tensor.empty` fails with `'vm.mul.f32' op operand #0 must
    be 32-bit float, but got 'i32'`, a matmul into a splat constant with `failed to legalize operation
    'arith.constant'` of the bf16 value; llvm-cpu, vulkan, cuda and rocm compile both."""
    return o.kind == "compile-error" and o.target == "vmvx" and "bf16" in element_types(program)
