"""Verdicts about the compiler IREE ships, and cause keys that follow the compiler, not the surface.

Fast: observations are built by hand (the shapes the judge produces), nothing is compiled.
"""

from __future__ import annotations

from fuzzir.findings import (
    DEFECT,
    GUARDED,
    LATENT,
    PASS,
    Observation,
    group,
    split_verdicts,
)
from fuzzir.pass_matcher import pass_matcher

INLINE0 = ("--iree-flow-inline-constants-max-byte-length=0",)
GLOBAL_WRITE = "'linalg.generic' op write affecting operations on global resources are restricted to workgroup"


def ir(kind: str, variant: str, family: str = "reduction", init: str = "nonsplat", flags: tuple = INLINE0,
       target: str = "llvm-cpu", dclass: str = "int") -> Observation:
    return Observation(kind, variant, target, flags, "ir", "m", op_index=0, op_name="linalg.generic",
                       family=family, init_kind=init, dtype_class=dclass)


def compile_error(variant: str, target: str = "cuda", diagnostic: str = GLOBAL_WRITE) -> Observation:
    return Observation("compile-error", variant, target, (), "compile", diagnostic, op_name="linalg.generic",
                       diagnostic=diagnostic)


def miscompile(variant: str, target: str = "llvm-cpu") -> Observation:
    return Observation("miscompile", variant, target, (), "run", "wrong", op_index=0, op_name="linalg.matmul",
                       family="contraction", init_kind="nonsplat", dtype_class="int")


def test_what_the_shipped_compiler_shows_is_a_defect_whatever_without_says() -> None:
    for variants in (("with",), ("with", "without")):
        (f,) = group([ir("readwrite-constant", v) for v in variants])
        assert f.verdict() == DEFECT


def test_only_without_the_pass_is_guarded_for_what_the_pass_prevents_and_latent_otherwise() -> None:
    (written,) = group([ir("readwrite-constant", "without"), ir("constant-copy", "without")])
    (gpu,) = group([compile_error("without")])
    (wrong,) = group([miscompile("without")])
    (other_error,) = group([compile_error("without", diagnostic="failed to bufferize op")])
    assert (written.verdict(), gpu.verdict(), wrong.verdict(), other_error.verdict()) == (
        GUARDED, GUARDED, LATENT, LATENT)
    # For engineers who study the pass itself, everything is a finding again.
    assert {f.verdict(PASS) for f in (written, gpu, wrong, other_error)} == {DEFECT}
    by = split_verdicts([written, gpu, wrong])
    assert (len(by[DEFECT]), len(by[LATENT]), len(by[GUARDED])) == (0, 1, 2)


def test_a_written_constant_and_its_copy_are_one_finding_of_the_write() -> None:
    (f,) = group([ir("constant-copy", "with"), ir("readwrite-constant", "with")])
    assert f.kind == "readwrite-constant" and f.signature.startswith("written-constant-")
    assert [o.kind for o in f.observations] == ["readwrite-constant", "constant-copy"]


def test_the_variant_pattern_separates_causes() -> None:
    both = group([ir("readwrite-constant", v, "contraction") for v in ("with", "without")])[0]
    only_with = group([ir("readwrite-constant", "with", "contraction")])[0]
    only_without = group([ir("readwrite-constant", "without", "contraction")])[0]
    assert len({both.signature, only_with.signature, only_without.signature}) == 3
    assert both.key.endswith("|with+without") and only_without.key.endswith("|without")


def test_ir_causes_ignore_family_and_type_but_not_the_pass_matcher() -> None:
    def sig(**kw: str) -> str:
        return group([ir("readwrite-constant", "with", **kw), ir("readwrite-constant", "without", **kw)])[0].signature

    # The pass does not look through util.global.load: one cause, whatever the op or type.
    assert len({sig(family=f, init="global", dclass=d) for f in ("reduction", "contraction", "pooling")
                for d in ("int", "float")}) == 1
    # A non-splat init of an op without a contraction/convolution interface: one cause for all such ops...
    assert sig(family="reduction") == sig(family="elementwise") == sig(family="reduction", init="large", flags=())
    # ...and a different one from an op the pass's matcher does apply to.
    assert sig(family="reduction") != sig(family="contraction")
    assert pass_matcher("pooling", "nonsplat") == "detach" and pass_matcher("reduction", "global") == "no-lookthrough"
    # A constant the pass cannot touch: which variants show it says nothing about the pass (the
    # `without` cell may have failed before any IR), so seen `with` is one cause either way.
    with_only = group([ir("readwrite-constant", "with", init="global")])[0]
    assert with_only.signature == sig(init="global")
    # One the pass does touch (a splat it makes a fill): the pattern is the cause.
    assert group([ir("readwrite-constant", "with", init="splat")])[0].signature != sig(init="splat")


def test_cuda_and_rocm_share_codegen_so_one_error_is_one_finding() -> None:
    cuda = group([compile_error("with", "cuda"), compile_error("without", "cuda")])[0]
    rocm = group([compile_error("with", "rocm"), compile_error("without", "rocm")])[0]
    cpu = group([compile_error("with", "llvm-cpu"), compile_error("without", "llvm-cpu")])[0]
    assert cuda.signature == rocm.signature != cpu.signature


def test_a_global_write_error_is_keyed_by_the_constant_the_pass_left_not_by_the_op_named() -> None:
    from fuzzir.pass_matcher import leftover_constant

    ops = [("reduction", "nonsplat"), ("contraction", "splat"), ("pooling", "global")]
    assert leftover_constant(ops) == "global:no-lookthrough"
    assert leftover_constant(ops[:2]) == "nonsplat:no-interface"
    assert leftover_constant([("contraction", "splat"), ("pooling", "nonsplat")]) == "nonsplat:detach"
    assert leftover_constant([("contraction", "splat")]) == "splat:splat-fill"
    assert leftover_constant([("contraction", "arg")]) == "none"
    a = compile_error("with", diagnostic=GLOBAL_WRITE)
    b = compile_error("with", diagnostic=GLOBAL_WRITE.replace("'linalg.generic'", "'memref.copy'"))
    a, b = (o.__class__(**{**o.__dict__, "init_kind": "nonsplat:no-interface"}) for o in (a, b))
    assert group([a])[0].signature == group([b])[0].signature
    # ...and it is the same cause as the readwrite binding of that constant on another codegen.
    cpu = compile_error("with", "llvm-cpu", GLOBAL_WRITE)
    cpu = cpu.__class__(**{**cpu.__dict__, "init_kind": "nonsplat:no-interface"})
    (f,) = group([cpu, ir("readwrite-constant", "with"), ir("constant-copy", "with")])
    assert f.kind == "compile-error" and f.signature.startswith("written-constant-") and len(f.targets) == 1


def test_outside_what_the_pass_prevents_only_shipped_or_not_matters() -> None:
    bufferize = "failed to bufferize op"
    only_with = group([compile_error("with", diagnostic=bufferize)])[0]
    both = group([compile_error("with", diagnostic=bufferize), compile_error("without", diagnostic=bufferize)])[0]
    only_without = group([compile_error("without", diagnostic=bufferize)])[0]
    assert only_with.signature == both.signature != only_without.signature


def test_a_failure_before_executables_exist_is_one_finding_for_every_target() -> None:
    crash = "ElementsAttr does not provide iteration facilities for type `llvm::APInt`"

    def crashed(target: str, phase: str) -> Observation:
        return Observation("compiler-crash", "with", target, (), "compile", crash, diagnostic=crash, signal=6,
                           phase=phase)

    early = {group([crashed(t, "preprocessing")])[0].signature for t in ("llvm-cpu", "vmvx", "vulkan", "cuda")}
    late = {group([crashed(t, "executable-configurations")])[0].signature for t in ("llvm-cpu", "vmvx")}
    assert len(early) == 1 and len(late) == 2 and not early & late
