"""Known-issue filters: symptoms with one root cause already understood.

A fuzzer that reports one root cause as fifty findings buries everything else.
Each filter recognizes a symptom whose cause was established by hand (the
docstring says how) and gives it a fixed `known` tag; the signature then uses
the tag instead of the op family and init kind, so all its copies merge into
one finding, which is still stored, minimized and replayed like any other.
"""

from __future__ import annotations

from collections.abc import Callable

from fuzzir.emit import op_index
from fuzzir.findings import Observation
from fuzzir.model import Program


def _vulkan_baseline_miscompile(program: Program, o: Observation, dtype: str) -> bool:
    """A miscompile on the default Vulkan target (no --iree-vulkan-target) of a program using `dtype`."""
    return (o.kind == "miscompile" and o.target == "vulkan" and dtype in program.dtypes()
            and not any(f.startswith("--iree-vulkan-target") for f in o.flags))


def vulkan_baseline_f16(program: Program, o: Observation) -> bool:
    """Wrong f16 values on the default Vulkan target (vp_android_baseline_2022).

    That target has no 16-bit storage, so IREE emulates f16 buffers; on IREE
    3.13 with Mesa lavapipe even a plain elementwise `addf` of two f16 tensors
    into `tensor.empty` returns wrong values (`1+1` gives `-1.06`), while the
    same program compiled with `--iree-vulkan-target=rdna3` (native f16) is
    right on the same device. No constant is involved.
    """
    return _vulkan_baseline_miscompile(program, o, "f16")


def vulkan_baseline_i8(program: Program, o: Observation) -> bool:
    """Wrong i8 values on the default Vulkan target, which has no 8-bit storage.

    IREE packs i8 tensors into 32-bit words there; on IREE 3.13 with lavapipe the
    elements of a final, partial word are lost: an elementwise `muli` of two
    `tensor<5xi8>` returns its fifth element as 0, of `tensor<1xi8>` returns 0;
    sizes that are multiples of 4 are right, and so is every size with
    `--iree-vulkan-target=rdna3` (native int8) on the same device.
    """
    return _vulkan_baseline_miscompile(program, o, "i8")


def detached_minmax_pooling(program: Program, o: Observation) -> bool:
    """Max/min pooling into a non-splat constant, miscompiled by the decoupling pass.

    `iree-global-opt-detach-elementwise-from-named-ops` rewrites the op as
    fill(0) -> pooling -> `addf`(constant), i.e. max(c, x) as max(0, x) + c: the
    global-optimization IR shows it, and the program is right without the pass.
    It is target-independent, so every target's copy is this one finding.
    """
    i = op_index(o.op, len(program.ops))
    if o.kind != "miscompile" or o.variant != "with" or i is None:
        return False
    op = program.ops[i]
    return (op.name in ("linalg.pooling_nhwc_max", "linalg.pooling_nhwc_min")
            and str(program.init_kind(op)) in ("nonsplat", "large", "global"))


def vmvx_f16(program: Program, o: Observation) -> bool:
    """f16 programs do not compile for VMVX (IREE 3.13): f16 arithmetic reaches the VM as i32
    (`'vm.add.f32' op operand #0 must be 32-bit float, but got 'i32'`) or is left illegal
    (`failed to legalize operation 'arith.constant'` of an f16 value), with or without constants
    in `outs` and with or without the pass: one limitation of the reference backend, not many bugs."""
    return o.kind == "compile-error" and o.target == "vmvx" and "f16" in program.dtypes()


FILTERS: dict[str, Callable[[Program, Observation], bool]] = {
    "vmvx-f16-unsupported": vmvx_f16,
    "detach-pass-minmax-pooling": detached_minmax_pooling,
    "vulkan-baseline-f16-emulation": vulkan_baseline_f16,
    "vulkan-baseline-i8-emulation": vulkan_baseline_i8,
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
