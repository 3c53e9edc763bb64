"""Whether the decoupling pass can touch a constant init: the facet of a cause key that says
why a constant is written (read from `DetachElementwiseFromNamedOps.cpp`; see the docstring of
`pass_matcher`), for fuzzir's op families and for the op names of a user's program alike."""

from __future__ import annotations

from fuzzir.model import INSERT_SLICE, RESHAPED

__all__ = ["INTERFACE_FAMILIES", "TENSOR_FAMILIES", "constant_class", "constant_key", "leftover_constant", "matcher",
           "pass_matcher"]

#: Op families whose ops implement the contraction or convolution interface (pooling ops
#: declare the convolution interface): the ops the pass detaches non-splat inits from.
INTERFACE_FAMILIES = frozenset({"contraction", "convolution", "pooling"})
#: Op families of tensor-dialect ops, which the pass's patterns (on linalg and LinalgExt ops) never match.
TENSOR_FAMILIES = frozenset({INSERT_SLICE})
#: A user's program outside the model names its ops, not fuzzir's families: the linalg named ops
#: with the contraction interface (`isaContractionOpInterface` matches them), and the prefixes of
#: those with the convolution interface (pooling included). A `linalg.generic` is not classified
#: without the model.
_CONTRACTION_OPS = frozenset(f"linalg.{n}" for n in (
    "matmul", "matmul_transpose_a", "matmul_transpose_b", "batch_matmul", "batch_matmul_transpose_a",
    "batch_matmul_transpose_b", "batch_reduce_matmul", "matvec", "vecmat", "batch_matvec", "batch_vecmat", "dot",
    "mmt4d", "batch_mmt4d", "contract"))
_CONVOLUTION_PREFIXES = ("linalg.conv_", "linalg.depthwise_conv_", "linalg.pooling_")


def _has_interface(family: str) -> bool:
    return (family in INTERFACE_FAMILIES or family in _CONTRACTION_OPS
            or family.startswith(_CONVOLUTION_PREFIXES))


def constant_class(init_kind: str) -> str:
    """splat, nonsplat (any size) or global; 'unknown' for a program without a model."""
    init_kind = init_kind.removesuffix(RESHAPED)
    if init_kind in ("nonsplat", "large"):
        return "nonsplat"
    return init_kind if init_kind in ("splat", "global") else "unknown"


_LEFTOVER_ORDER = ("global:no-lookthrough", "dense:no-lookthrough", "nonsplat:no-interface", "dense:not-linalg",
                   "nonsplat:detach", "splat:splat-fill")


def constant_key(constant: str, matcher_: str) -> str:
    """'<constant>:<matcher>', splat and non-splat as one `dense` where the pass never looks at the
    value (a tensor op's destination, a blob seen through a reshape): there a splat and a non-splat
    constant are written for the same reason (campaign of 2026-12-02: a strided insert_slice into
    either, a pooling or reduce into either through `collapse_shape`)."""
    if constant in ("splat", "nonsplat") and matcher_ in ("not-linalg", "no-lookthrough"):
        constant = "dense"
    return f"{constant}:{matcher_}"


def leftover_constant(ops: list[tuple[str, str]]) -> str:
    """Which constant init a "write affecting operations on global resources" error is about,
    from (family, init kind) per op: the first present in a fixed order, the ones the pass
    leaves in place first (a global, then a non-splat init of an op outside its matcher),
    then those it decouples; 'none' when the program has no constant init.

    The same for both variants, so that a program whose error the pass does not prevent
    shows one cause `with` and `without` (as on releases before the pass detached non-splat
    inits), and a program and its minimized form name the same constant."""
    present = set()
    for family, init in ops:
        constant = constant_class(init)
        if constant != "unknown":
            present.add(constant_key(constant, matcher(family, init)))
    return next((f for f in _LEFTOVER_ORDER if f in present), "none")


def matcher(family: str, init_kind: str) -> str:
    """`pass_matcher` for an init label (`Program.init_label`): a constant the pass sees only through a
    reshape (a `dense_resource` blob, which IREE does not fold into the reshape) is not one it matches."""
    constant = constant_class(init_kind)
    if init_kind.endswith(RESHAPED) and constant in ("splat", "nonsplat"):
        return "no-lookthrough"
    return pass_matcher(family, constant)


def pass_matcher(family: str, constant: str) -> str:
    """Whether the decoupling pass's matcher applies to an op with this kind of init.

    From `DetachElementwiseFromNamedOps.cpp` (see ../shared/context/iree-facts.md): a splat
    `arith.constant` init of any linalg or LinalgExt op (`iree_linalg_ext.scatter`) becomes a
    fill; a non-splat constant init of an op with a contraction or convolution interface is
    detached into fill(0) plus an add; the pass does not look through `util.global.load`, and
    matches no tensor op (`tensor.insert_slice`: 'not-linalg'; checked on 3.13). A multi-result
    op (`multi_result`): the splat rule loops over every init (`DetachSplatConstantOutsOperands`
    walks `getDpsInits()`), so each splat init becomes a fill; the detach rule returns early
    unless the op has exactly one init (and no multi-result generic has the interfaces), so a
    non-splat init stays."""
    if constant == "global":
        return "no-lookthrough"
    if (family in TENSOR_FAMILIES or family.startswith("tensor.")) and constant in ("splat", "nonsplat"):
        return "not-linalg"
    if constant == "splat":
        return "splat-fill"
    if constant == "nonsplat":
        if _has_interface(family):
            return "detach"
        return "no-interface" if family not in ("", "unknown") else "unknown"
    return "unknown"
