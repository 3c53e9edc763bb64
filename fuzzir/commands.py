"""Each cell's IREE command chain, built once: what runs is what repro.sh and meta.json show.

`compile_program` (fuzzir.compiler) and `run_module` (fuzzir.runner) execute the
argv lists built here, and `repro.sh` / `FindingRecord.commands` print the very
argv the judge recorded, so the reproducer cannot drift from what fuzzir ran.

Every path is relative to one work directory that holds `program.mlir` and the
inputs (`input<i>.npy`, or raw `input<i>.bin` for bf16, which has no .npy form
iree-run-module reads; a scalar argument's value is written in the argv itself,
see `scalar_text`); the chain writes `module.vmfb`, the `without` variant's
intermediates `preprocessing.mlir` and `global-optimization.mlir`, and the phase
dumps under `phases/`. argv[0] is the bare tool name, resolved by the caller
(`sandbox.tool_path`) or by PATH in a shell. A directory holding program.mlir
and the inputs thus replays any chain verbatim.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Sequence

import numpy as np

from fuzzir.dtypes import RAW_TYPES, mlir_name, numpy_dtype, value_dtype
from fuzzir.pipeline import DETACH_PASS, ablated_pipeline, iree_opt_accepts
from fuzzir.targets import Target

PROGRAM = "program.mlir"
MODULE = "module.vmfb"
PREPROCESSED = "preprocessing.mlir"
GLOBAL_OPT = "global-optimization.mlir"
PHASES_DIR = "phases"
#: intermediate file -> the phase whose output it is (the resumed compile does not dump these)
INTERMEDIATE_PHASES = {PREPROCESSED: "preprocessing", GLOBAL_OPT: "global-optimization"}
#: iree-compile's phases in order, as `--dump-compilation-phases-to` names their files.
PHASE_ORDER = ("input", "abi", "preprocessing", "global-optimization", "dispatch-creation", "flow", "stream",
               "executable-sources", "executable-configurations", "executable-targets", "hal", "vm")

# Dumps elide large constants: the IR checks need structure, not values, and printing a few
# MiB of hex per phase costs more than the compile. --mlir-print-debuginfo keeps the name
# locations (it does not change the .vmfb); see fuzzir.compiler.
DUMP_FLAGS: tuple[str, ...] = (
    f"--dump-compilation-phases-to={PHASES_DIR}",
    "--mlir-print-debuginfo",
    "--mlir-elide-elementsattrs-if-larger=16",
)

# Zero-tolerance "approximate" compare: |actual - expected| <= 0 per element.
# This is an exact *value* compare that, unlike --equality_mode=exact (a byte
# compare), treats -0.0 == 0.0 and NaN == NaN: the sign of a zero depends on
# summation order, which is not a bug when inputs are small integers.
EXACT_VALUE_FLAGS: tuple[str, ...] = (
    "--equality_mode=approximate",
    "--expected_f16_threshold=0",
    "--expected_bf16_threshold=0",
    "--expected_f32_threshold=0",
    "--expected_f64_threshold=0",
    "--expected_rtol=0",
)
BYTE_EXACT_FLAGS: tuple[str, ...] = ("--equality_mode=exact",)

VARIANTS = ("with", "without")


def shell_line(argv: Sequence[str]) -> str:
    """The one way an argv is printed as shell text (repro.sh, reports): shlex quoting."""
    return shlex.join(argv)


def iter_compile_steps(target: Target, variant: str, flags: Sequence[str] = (), *,
                       pass_name: str = DETACH_PASS, dump_phases: bool = True) -> Iterator[list[str]]:
    """The compile argv lists of one cell, from program.mlir to module.vmfb, lazily.

    Lazy so that the ablated pipeline (a probe compile when not cached) is derived only
    once the `without` variant's preprocessing step has been asked for; deriving it may
    raise `PipelineError`/`PassNotFound` (the stock compiler fails under these flags too).
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; valid variants: {', '.join(VARIANTS)}")
    flags = tuple(flags)
    base = ["iree-compile", *target.compile_flags, *flags]
    dump = list(DUMP_FLAGS) if dump_phases else []
    if variant == "with":
        yield [*base, *dump, PROGRAM, "-o", MODULE]
        return
    # Intermediates keep their locations (--mlir-print-debuginfo), or the resumed compile loses them.
    yield [*base, "--mlir-print-debuginfo", "--compile-to=preprocessing", PROGRAM, "-o", PREPROCESSED]
    pipeline = ablated_pipeline(target, flags, pass_name)
    opt_flags = [f for f in flags if iree_opt_accepts(f)]
    yield ["iree-opt", *opt_flags, "--mlir-print-debuginfo", f"--pass-pipeline={pipeline}",
           PREPROCESSED, "-o", GLOBAL_OPT]
    yield [*base, "--compile-from=global-optimization", *dump, GLOBAL_OPT, "-o", MODULE]


def compile_steps(target: Target, variant: str, flags: Sequence[str] = (), *,
                  pass_name: str = DETACH_PASS, dump_phases: bool = True) -> list[list[str]]:
    """All compile argv lists of one cell (see `iter_compile_steps`)."""
    return list(iter_compile_steps(target, variant, flags, pass_name=pass_name, dump_phases=dump_phases))


def _raw_element(type_text: str | None) -> str | None:
    """The element type of a `tensor<...>` type text when its values travel raw (`RAW_TYPES`), else None."""
    if not type_text or not type_text.startswith("tensor<") or not type_text.endswith(">"):
        return None
    inner = type_text[len("tensor<"):-1]
    for raw in RAW_TYPES:
        if inner == raw or inner.endswith("x" + raw):
            return raw
    return None


def raw_shape(type_text: str | None) -> tuple[int, ...] | None:
    """The shape of a `tensor<...>` type text whose values travel raw (bf16, f8, complex); None otherwise."""
    raw = _raw_element(type_text)
    if raw is None or type_text is None:
        return None
    dims = type_text[len("tensor<"):-1 - len(raw)]
    parts = dims.split("x")[:-1] if dims else []
    if not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


def raw_dtype(type_text: str) -> np.dtype:
    """The numpy dtype of a raw result file's elements (`raw_shape` is not None for `type_text`)."""
    raw = _raw_element(type_text)
    assert raw is not None, type_text
    return value_dtype(raw)


def _is_raw(array: np.ndarray) -> str | None:
    """The MLIR element type of an array whose values travel raw (bf16, f8, complex), else None."""
    name = mlir_name(np.asarray(array).dtype)
    return name if name in RAW_TYPES else None


def _raw_type(stem: str, array: np.ndarray) -> str | None:
    """The element type to give a raw `.bin` file of value `array`, or None where `.npy` does.

    bf16 has no .npy form. An integer .npy is read by iree-run-module as signed (`si32`), and
    `--expected_output` then fails on the element type alone against an `i32` result, whatever
    the values (checked with 3.13): expected integers go raw, typed as the result is."""
    a = np.asarray(array)
    if _is_raw(a):
        return _is_raw(a)
    if stem == "expected" and a.dtype.kind == "i":
        return f"i{a.dtype.itemsize * 8}"
    return None


def array_file(stem: str, k: int, array: np.ndarray) -> str:
    """File name of value k: `<stem><k>.npy`, or raw `<stem><k>.bin` (see `_raw_type`)."""
    return f"{stem}{k}.bin" if _raw_type(stem, array) else f"{stem}{k}.npy"


def is_scalar(value: object) -> bool:
    """A scalar argument's value (`i32`, `f16`, `index` ...) is a numpy scalar; a tensor's is an ndarray.

    A 0-d array is `tensor<f32>`, passed as a buffer; a numpy scalar is passed as a value."""
    return isinstance(value, np.generic)


_HALF = ("float16", "bfloat16")


def scalar_text(value: np.generic) -> str:
    """iree-run-module's text for a scalar argument (checked with iree-run-module 3.13).

    Integers, index and i1 (0/1) are written as numbers, f32/f64 as floats. The VM has no
    16-bit floats: an f16 or bf16 scalar travels as an i32 holding its bits, and text
    like `1.5` would be read as those bits, so the bits are written."""
    x = np.asarray(value)
    if x.dtype.name in _HALF:
        return str(int(x.view(np.int16)))
    if x.dtype == np.bool_:
        return "1" if bool(x) else "0"
    if np.issubdtype(x.dtype, np.integer):
        return str(int(x))
    return repr(float(x))


def read_scalar(raw: np.ndarray, type_text: str) -> np.generic:
    """A scalar result as `--output=@f.npy` writes it, back to its MLIR type.

    iree-run-module 3.13 writes a scalar as a 0-d array of its VM type: i1, i8 and i16
    as i32 (low bits), f16 and bf16 as an i32 holding their bits, index as i64, and f64,
    which IREE demotes to f32, as f32."""
    dt = np.dtype(np.int64) if type_text == "index" else numpy_dtype(type_text)
    x = np.asarray(raw).reshape(())
    if dt.name in _HALF:
        return x.astype(np.int64).astype(np.uint16).view(dt)[()]
    if dt == np.bool_:
        return np.bool_(int(x) & 1)
    return x.astype(dt)[()]


def value_ref(stem: str, k: int, array: np.ndarray) -> str:
    """iree-run-module's value text: `@f.npy`, `<dims><type>=@f.bin` (raw needs the type), or a scalar's value."""
    if is_scalar(array):
        return scalar_text(array)
    name = array_file(stem, k, array)
    raw = _raw_type(stem, array)
    if raw:
        dims = "".join(f"{d}x" for d in np.shape(array))
        return f"{dims}{raw}=@{name}"
    return f"@{name}"


def run_step(target: Target, inputs: Sequence[np.ndarray], *, module: str = MODULE,
             function: str = "main") -> list[str]:
    """iree-run-module on `module` with `input<i>` files; outputs or expectations are appended."""
    argv = ["iree-run-module", f"--device={target.driver}", f"--module={module}", f"--function={function}"]
    argv += [f"--input={value_ref('input', k, a)}" for k, a in enumerate(inputs)]
    return argv


def output_files(result_types: Sequence[str | None]) -> list[tuple[str, tuple[int, ...] | None]]:
    """(file name, raw shape or None) of each result: bf16, f8 and complex results cannot be written as .npy."""
    out: list[tuple[str, tuple[int, ...] | None]] = []
    for k, t in enumerate(result_types):
        shape = raw_shape(t)
        out.append((f"output{k}.bin" if shape is not None else f"output{k}.npy", shape))
    return out


def output_args(result_types: Sequence[str | None]) -> list[str]:
    """One `--output=@file` per result: iree-run-module wants exactly as many as there are."""
    return [f"--output=@{name}" for name, _ in output_files(result_types)]


def compare_flags(*, exact: bool, tolerance: float | None = None, byte_exact: bool = False) -> list[str]:
    """How expected outputs are compared: as the reference oracle judges.

    exact: zero tolerance, -0.0 == 0.0 and NaN == NaN (byte_exact: IREE's bitwise compare);
    otherwise the derived absolute tolerance, or iree-run-module's defaults when none is known.
    """
    if exact or byte_exact:
        return list(BYTE_EXACT_FLAGS if byte_exact else EXACT_VALUE_FLAGS)
    if tolerance is None:
        return []
    t = repr(float(tolerance))  # never rounded down: a looser repro than the judge would be wrong
    return [f"--expected_f32_threshold={t}", f"--expected_f16_threshold={t}", "--expected_rtol=0"]


def expected_args(expected: Sequence[np.ndarray]) -> list[str]:
    """`--expected_output` for each stored `expected<i>` file."""
    return [f"--expected_output={value_ref('expected', k, e)}" for k, e in enumerate(expected)]


def repro_run_step(target: Target, inputs: Sequence[np.ndarray], expected: Sequence[np.ndarray], *,
                   exact: bool, tolerance: float | None = None, function: str = "main") -> list[str]:
    """The reproducer's run: the judge's run step, comparing with `expected<i>` instead of writing outputs."""
    argv = run_step(target, inputs, function=function) + expected_args(expected)
    if expected:
        argv += compare_flags(exact=exact, tolerance=tolerance)
    return argv


def files_read(argvs: Sequence[Sequence[str]]) -> list[str]:
    """The files a chain reads that it does not write itself: program.mlir, inputs, expectations."""
    files = [PROGRAM] if any(PROGRAM in argv for argv in argvs) else []
    for argv in argvs:
        for a in argv:
            if a.startswith(("--input=", "--expected_output=")) and "=@" in a:
                name = a.split("=@", 1)[1]
                if name not in files:
                    files.append(name)
    return files
