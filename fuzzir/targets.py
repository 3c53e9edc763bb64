"""IREE compilation targets and the runtime devices that execute them.

A differential campaign compiles the same program for several targets; each
target is a fixed set of iree-compile flags plus the iree-run-module device
that can run the result, when one is present.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass

from fuzzir.sandbox import DEFAULT_MEM_LIMIT_MB, depends_on_tools, run_tool, tool_path


@dataclass(frozen=True)
class Target:
    """One backend: how to compile for it and which runtime driver runs it."""

    name: str
    compile_flags: tuple[str, ...]
    driver: str


# Vulkan: the default target (no --iree-vulkan-target) is the portable
# `vp_android_baseline_2022` profile (SPIR-V 1.3, Shader capability, no subgroup
# ops). Checked with iree-compile 3.13: it compiles, and Mesa lavapipe (llvmpipe,
# Vulkan 1.3) runs the result and matches numpy exactly, so no explicit
# --iree-vulkan-target is needed. Picking a vendor target (e.g. rdna3) would emit
# capabilities lavapipe may lack.
TARGETS: dict[str, Target] = {
    "llvm-cpu": Target(
        "llvm-cpu",
        (
            "--iree-hal-target-device=local",
            "--iree-hal-local-target-device-backends=llvm-cpu",
            "--iree-llvmcpu-target-cpu=host",
        ),
        "local-task",
    ),
    "vmvx": Target(
        "vmvx",
        (
            "--iree-hal-target-device=local",
            "--iree-hal-local-target-device-backends=vmvx",
        ),
        "local-task",
    ),
    "vulkan": Target("vulkan", ("--iree-hal-target-device=vulkan",), "vulkan"),
    "cuda": Target(
        "cuda", ("--iree-hal-target-device=cuda", "--iree-cuda-target=sm_80"), "cuda"
    ),
    "rocm": Target(
        "rocm", ("--iree-hal-target-device=hip", "--iree-rocm-target=gfx942"), "hip"
    ),
}

DEFAULT_TARGETS: tuple[str, ...] = ("llvm-cpu", "vmvx", "vulkan", "cuda", "rocm")

# Target flags renamed between IREE releases: the spelling above -> older spellings, used when the
# compiler in use (another release, `fuzzir.releases`) does not know the newer one. IREE 3.0.0 knows
# --iree-hip-target and not --iree-rocm-target; 3.13.0 the reverse.
FLAG_SPELLINGS: dict[str, tuple[str, ...]] = {
    "--iree-rocm-target": ("--iree-hip-target",),
    "--iree-rocm-target-features": ("--iree-hip-target-features",),
}
_STOCK_TARGETS = dict(TARGETS)


def _respell(flag: str, options: Collection[str]) -> str:
    name, sep, value = flag.partition("=")
    if name in options:
        return flag
    for older in FLAG_SPELLINGS.get(name, ()):
        if older in options:
            return f"{older}{sep}{value}"
    return flag  # unknown to this compiler under every spelling: the compile says so


def use_compiler_options(options: Collection[str] | None) -> list[str]:
    """Spell every target's flags as a compiler that knows `options` (None: as above); what was respelled."""
    notes = []
    for name, stock in _STOCK_TARGETS.items():
        flags = stock.compile_flags if options is None else tuple(_respell(f, options) for f in stock.compile_flags)
        TARGETS[name] = Target(stock.name, flags, stock.driver)
        notes += [f"{name}: {a.split('=')[0]} is spelled {b.split('=')[0]}"
                  for a, b in zip(stock.compile_flags, flags, strict=True) if a != b]
    return notes

# Drivers whose runtime reserves huge virtual address ranges at start-up (CUDA's
# unified addressing, HIP likewise): an RLIMIT_AS cap makes them fail to init.
UNLIMITED_MEMORY_DRIVERS = frozenset({"cuda", "hip"})


def parse_targets(text: str) -> tuple[Target, ...]:
    """Parse a comma-separated target list such as ``llvm-cpu,vulkan``."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise ValueError(f"no targets given; valid targets: {', '.join(TARGETS)}")
    result: list[Target] = []
    for name in names:
        if name not in TARGETS:
            raise ValueError(f"unknown target {name!r}; valid targets: {', '.join(TARGETS)}")
        if TARGETS[name] not in result:
            result.append(TARGETS[name])
    return tuple(result)


def driver_memory_limit(driver: str, limit: int | None = DEFAULT_MEM_LIMIT_MB) -> int | None:
    """Memory limit (MiB) to run a driver's tools under: `limit`, or None for GPU runtimes (their device
    mappings count as resident memory)."""
    return None if driver in UNLIMITED_MEMORY_DRIVERS else limit


@depends_on_tools
@functools.cache
def _probe_driver(driver: str) -> bool:
    # Probing loads the driver's native library; do it out of process so a
    # broken GPU stack cannot crash fuzzir.
    try:
        tool = tool_path("iree-run-module")
    except FileNotFoundError:
        return False
    result = run_tool(
        [tool, f"--list_devices={driver}"],
        timeout=30.0,
        mem_limit_mb=driver_memory_limit(driver),
    )
    if not result.ok:
        return False
    prefix = f"{driver}://"
    return any(line.strip().startswith(prefix) for line in result.stdout.splitlines())


def device_available(target: Target) -> bool:
    """True if a runtime device for target is really present (probed once per process)."""
    if target.driver in ("local-task", "local-sync"):
        return True
    return _probe_driver(target.driver)


@dataclass(frozen=True)
class Cell:
    """One compile of the matrix: a target, a variant (`with`/`without` the pass) and extra flags."""

    target: Target
    variant: str
    flags: tuple[str, ...]
