"""The default Vulkan target emulates 16- and 8-bit storage, wrongly on lavapipe."""

from __future__ import annotations

from fuzzir.filters import register
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
    """
    return _vulkan_baseline_miscompile(program, o, "i8")
