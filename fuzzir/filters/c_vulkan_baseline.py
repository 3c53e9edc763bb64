"""The default Vulkan target emulates 16- and 8-bit storage (wrongly on lavapipe) and 64-bit integers (not all ops)."""

from __future__ import annotations

from fuzzir.filters import element_types, register
from fuzzir.findings import Observation
from fuzzir.model import Program


def _vulkan_baseline_miscompile(program: Program, o: Observation, dtype: str) -> bool:
    """A miscompile on the default Vulkan target (no --iree-vulkan-target) of a program using `dtype`."""
    return (o.kind == "miscompile" and o.target == "vulkan" and dtype in program.dtypes()
            and not any(f.startswith("--iree-vulkan-target") for f in o.flags))


@register("vulkan-baseline-f16-emulation")
def vulkan_baseline_f16(program: Program, o: Observation) -> bool:
    """Wrong f16 values on the default Vulkan target (vp_android_baseline_2022).

    That target has no 16-bit storage, so IREE emulates f16 buffers; on IREE
    3.13 with Mesa lavapipe even a plain elementwise `addf` of two f16 tensors
    into `tensor.empty` returns wrong values (`1+1` gives `-1.06`), while the
    same program compiled with `--iree-vulkan-target=rdna3` (native f16) is
    right on the same device. No constant is involved.
    """
    return _vulkan_baseline_miscompile(program, o, "f16")


@register("vulkan-baseline-i8-emulation")
def vulkan_baseline_i8(program: Program, o: Observation) -> bool:
    """Wrong i8 values on the default Vulkan target, which has no 8-bit storage.

    IREE packs i8 tensors into 32-bit words there; on IREE 3.13 with lavapipe the
    elements of a final, partial word are lost: an elementwise `muli` of two
    `tensor<5xi8>` returns its fifth element as 0, of `tensor<1xi8>` returns 0;
    sizes that are multiples of 4 are right, and so is every size with
    `--iree-vulkan-target=rdna3` (native int8) on the same device.

    The same cause under a TOSA int8 conv2d (`tests/data/tosa/conv2d_i8_vulkan.mlir`, 7 of 24
    wrong, found by the TOSA reference model; 2026-12-03): right with rdna3, with i32 operands,
    with the input's last partial word (elements 12-14 of 15) zero, and with a 16-element input;
    wrong alike into a zero fill, an argument or the constant bias, with or without zero points.
    """
    return _vulkan_baseline_miscompile(program, o, "i8")


@register("vulkan-baseline-bf16-emulation")
def vulkan_baseline_bf16(program: Program, o: Observation) -> bool:
    """Wrong bf16 values on the default Vulkan target, which has no 16-bit storage.

    The same packing as for i8: on IREE 3.13 with lavapipe an elementwise `arith.mulf` of two
    `tensor<5xbf16>` into `tensor.empty` returns its fifth element as 0, a reduction into
    `tensor<7xbf16>` its seventh; with `--iree-vulkan-target=rdna3` both are right on the same device.
    """
    return _vulkan_baseline_miscompile(program, o, "bf16")


@register("vulkan-baseline-i16-emulation")
def vulkan_baseline_i16(program: Program, o: Observation) -> bool:
    """Wrong i16 values on the default Vulkan target, which has no 16-bit storage.

    As for bf16: an elementwise `arith.muli` of two `tensor<5xi16>` into `tensor.empty` loses the
    element in the last, partial 32-bit word (IREE 3.13, lavapipe); right with `--iree-vulkan-target=rdna3`.
    """
    return _vulkan_baseline_miscompile(program, o, "i16")


@register("vulkan-baseline-i64-emulation")
def vulkan_baseline_i64(program: Program, o: Observation) -> bool:
    """i64 ops the default Vulkan target's 64-bit integer emulation cannot lower.

    That target has no Int64 capability, so IREE emulates i64 as two i32 words; on IREE 3.13
    `arith.maxsi` of i64 values (and other ops) is left unlowered: `failed to legalize unresolved
    target materialization from ('i64') to ('vector<2xi32>')` or `failed to legalize operation
    'vector.broadcast'` of an i64. The same programs compile with `--iree-vulkan-target=rdna3`.
    Only those diagnostics are this limit: any other compile error of an i64 program stays a finding.
    """
    return (o.kind == "compile-error" and o.target == "vulkan" and "failed to legalize" in o.message
            and "i64" in o.message and "i64" in element_types(program)
            and not any(f.startswith("--iree-vulkan-target") for f in o.flags))
