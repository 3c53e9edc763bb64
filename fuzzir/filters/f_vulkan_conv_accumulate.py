"""Vulkan's convolution into a destination it must read is wrong, constant or not."""

from __future__ import annotations

from fuzzir.filters import miscompiled_op, register
from fuzzir.findings import Observation
from fuzzir.model import Program

_FRESH = ("fill", "empty")


@register("vulkan-conv-accumulate")
def vulkan_conv_accumulate(program: Program, o: Observation) -> bool:
    """A convolution (`conv_2d_nhwc_hwcf`, depthwise, NCHW) accumulating into a destination whose
    values it must read computes most elements wrong on the Vulkan target (lavapipe, IREE 3.13).

    Established by hand (2026-12-02): the corpus's conv into a large i32 constant (698 of 720
    wrong through the copy-on-write copy, seen only without the pass, which zero-fills) is wrong
    the same way with the constant replaced by a function argument (684 of 720, with and without
    the pass); a dilated depthwise f32 conv into an argument gives 2007 of 2016 wrong and into a
    zero fill is right; llvm-cpu is right on all of them. So it is one cause whatever the
    destination (a large or reshaped constant, a global, an argument) and element type."""
    i = miscompiled_op(program, o, target="vulkan")
    if i is None:
        return False
    op = program.ops[i]
    return op.family == "convolution" and not any(str(program.init_kind(op, k)) in _FRESH for k in range(len(op.inits)))
