"""Known-issue filters: symptoms with one root cause already understood.

A fuzzer that reports one root cause as fifty findings buries everything else.
Each filter recognizes a symptom whose cause was established by hand (the
docstring says how) and gives it a fixed `known` tag; the signature then uses
the tag instead of the op family and init kind, so all its copies merge into
one finding, which is still stored, minimized and replayed like any other.
"""

from __future__ import annotations

from collections.abc import Callable

from fuzzir.findings import Observation
from fuzzir.model import Program


def vulkan_baseline_f16(program: Program, o: Observation) -> bool:
    """Wrong f16 values on the default Vulkan target (vp_android_baseline_2022).

    That target has no 16-bit storage, so IREE emulates f16 buffers; on IREE
    3.13 with Mesa lavapipe even a plain elementwise `addf` of two f16 tensors
    into `tensor.empty` returns wrong values (`1+1` gives `-1.06`), while the
    same program compiled with `--iree-vulkan-target=rdna3` (native f16) is
    right on the same device. No constant is involved.
    """
    return (o.kind == "miscompile" and o.target == "vulkan" and "f16" in program.dtypes()
            and not any(f.startswith("--iree-vulkan-target") for f in o.flags))


FILTERS: dict[str, Callable[[Program, Observation], bool]] = {
    "vulkan-baseline-f16-emulation": vulkan_baseline_f16,
}


def tag(program: Program, observations: list[Observation]) -> list[Observation]:
    """The observations with `known` set where a filter recognizes them."""
    out = []
    for o in observations:
        for name, matches in FILTERS.items():
            if matches(program, o):
                o = Observation(**{**o.__dict__, "known": name})
                break
        out.append(o)
    return out
