"""`fuzzir check` and the CLI contract, against the real compiler and runtime.

Clean programs (IREE is known to be right on them) must give no finding: a
false positive is the worst defect a fuzzer can have. Each bug program must
give exactly the finding kind it is known to show on IREE 3.13.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fuzzir.cli import main
from fuzzir.targets import TARGETS, device_available

DATA = Path(__file__).parent / "data" / "programs"
INLINE0 = "--iree-flag=--iree-flow-inline-constants-max-byte-length=0"
HAVE_VULKAN = device_available(TARGETS["vulkan"])


def run_check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["check", *args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.mark.parametrize("name", ["clean_matmul_fill", "clean_reduction_arg_init", "clean_pooling_chain"])
@pytest.mark.parametrize("flags", [(), (INLINE0,)])
def test_clean_programs_give_no_finding(capsys: pytest.CaptureFixture[str], name: str, flags: tuple) -> None:
    targets = "llvm-cpu,vmvx,vulkan" if HAVE_VULKAN else "llvm-cpu,vmvx"
    code, report = run_check(capsys, str(DATA / f"{name}.mlir"), "--targets", targets, *flags)
    assert report["findings"] == [], report
    assert code == 0
    assert report["iree_version"].startswith("3.")


def test_splat_bias_is_clean_only_thanks_to_the_pass(capsys: pytest.CaptureFixture[str]) -> None:
    # With the pass the splat becomes a fill and all is well; without it, llvm-cpu cannot compile it.
    # IREE as shipped is right: exit 0, and the guard is reported; `--about pass` makes it a finding.
    code, report = run_check(capsys, str(DATA / "clean_matmul_splat_bias.mlir"), "--targets", "llvm-cpu,vmvx")
    assert code == 0 and report["findings"] == [] and report["latent"] == []
    assert {(f["kind"], f["variant"], f["target"]) for f in report["guarded"]} == {
        ("compile-error", "without", "llvm-cpu")}
    code, report = run_check(capsys, str(DATA / "clean_matmul_splat_bias.mlir"), "--targets", "llvm-cpu",
                             "--about", "pass")
    assert code == 1 and {f["variant"] for f in report["findings"]} == {"without"}


def test_a_splat_init_without_the_pass_is_filled_fresh_not_guarded(capsys: pytest.CaptureFixture[str]) -> None:
    """Without the pass, flow ties the reduction to the splat, but stream fills a fresh resource with it
    (`stream.cmd.fill`, checked by hand): no constant is written, so there is nothing to guard (issue 17)."""
    code, report = run_check(capsys, str(DATA / "guarded_reduction_splat_init.mlir"), "--targets", "llvm-cpu",
                             INLINE0)
    assert code == 0 and report["findings"] == [] and report["guarded"] == [], report


@pytest.mark.parametrize("name,flags", [("guarded_pooling_sum_nonsplat", ())])
def test_what_only_the_pass_prevents_is_guarded_not_a_finding(capsys: pytest.CaptureFixture[str], name: str,
                                                               flags: tuple[str, ...]) -> None:
    """The issue's two programs: correct as shipped, written constants without the pass."""
    code, report = run_check(capsys, str(DATA / f"{name}.mlir"), "--targets", "llvm-cpu", INLINE0, *flags)
    assert code == 0 and report["findings"] == [], report
    assert report["counts"]["guarded"] == 1
    assert {(f["variant"], f["kind"]) for f in report["guarded"]} >= {("without", "readwrite-constant")}
    main(["check", str(DATA / f"{name}.mlir"), "--targets", "llvm-cpu", INLINE0])
    assert "the pass guards 1" in capsys.readouterr().out


def test_pooling_min_into_constant_is_miscompiled_by_the_pass(capsys: pytest.CaptureFixture[str]) -> None:
    # The pass rewrites min(c, x) as min(0, x) + c: wrong with the pass on every target that runs.
    code, report = run_check(capsys, str(DATA / "bug_pooling_min_detached_init.mlir"), "--targets", "llvm-cpu,vmvx")
    assert code == 1
    wrong = {(f["target"], f["variant"]) for f in report["findings"] if f["kind"] == "miscompile"}
    assert wrong == {("llvm-cpu", "with"), ("vmvx", "with")}
    assert all("exact compare" in f["message"] for f in report["findings"] if f["kind"] == "miscompile")


def test_nonsplat_reduction_init_is_a_compile_error_with_and_without_the_pass(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_check(capsys, str(DATA / "bug_reduction_nonsplat_init.mlir"), "--targets", "llvm-cpu")
    assert code == 1
    kinds = {(f["kind"], f["variant"]) for f in report["findings"]}
    assert kinds == {("compile-error", "with"), ("compile-error", "without")}
    assert all("global resources" in f["message"] and f["op"] == "linalg.generic" for f in report["findings"])


def test_nonsplat_reduction_init_is_written_in_place_without_inlining(capsys: pytest.CaptureFixture[str],
                                                                     tmp_path: Path) -> None:
    code, report = run_check(capsys, str(DATA / "bug_reduction_nonsplat_init.mlir"), "--targets", "llvm-cpu",
                             INLINE0, "--out", str(tmp_path))
    assert code == 1
    kinds = {f["kind"] for f in report["findings"]}
    assert kinds == {"readwrite-constant", "constant-copy"}
    assert all(f["flags"] == ["--iree-flow-inline-constants-max-byte-length=0"] for f in report["findings"])
    # Stored: the write and the runtime's copy are one cause, one directory, with a reproducer
    # that shows the bug today.
    stored = sorted(p.name.rsplit("-", 1)[0] for p in tmp_path.iterdir())
    assert stored == ["written-constant"]
    for entry in tmp_path.iterdir():
        meta = json.loads((entry / "meta.json").read_text())
        assert meta["variants"] == ["with", "without"] and meta["status"] == "open"
        assert (entry / "input0.npy").exists() and (entry / "expected0.npy").exists()
        proc = subprocess.run(["bash", str(entry / "repro.sh")], capture_output=True, text=True,
                              env={"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"})
        assert proc.returncode == 1, proc.stdout + proc.stderr


@pytest.mark.vulkan
@pytest.mark.skipif(not HAVE_VULKAN, reason="no Vulkan device")
def test_vulkan_f16_miscompile_is_found_and_tagged(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, report = run_check(capsys, str(DATA / "bug_vulkan_f16_add.mlir"), "--targets", "llvm-cpu,vulkan",
                             "--out", str(tmp_path))
    assert code == 1
    assert {(f["kind"], f["target"]) for f in report["findings"]} == {("miscompile", "vulkan")}
    (entry,) = tmp_path.iterdir()
    meta = json.loads((entry / "meta.json").read_text())
    assert meta["signature_key"] == "miscompile|known|vulkan-baseline-f16-emulation|with"


def test_compile_timeout_is_retried_not_a_crash(capsys: pytest.CaptureFixture[str]) -> None:
    """A timeout is a finding only when a generous retry times out too (`judge.retry_timeout`): this
    compile misses 0.05 s and finishes on the retry, so the program is clean."""
    code, report = run_check(capsys, str(DATA / "clean_matmul_fill.mlir"), "--targets", "llvm-cpu",
                             "--compile-timeout", "0.05")
    assert code == 0
    assert report["findings"] == []


@pytest.mark.parametrize("args,words", [
    (["check", str(DATA / "malformed.mlir")], "malformed"),
    (["check", "/nonexistent/x.mlir"], "no such file"),
    (["check", str(DATA / "clean_matmul_fill.mlir"), "--targets", "llvm-cpu,tpu"], "tpu"),
    (["check", str(DATA / "clean_matmul_fill.mlir"), "--targets", "llvm-cpu",
      "--iree-flag=--no-such-iree-flag"], "flag"),
    (["fuzz", "--count", "0"], "--count"),
    (["fuzz", "--bogus"], "unrecognized"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], args: list[str], words: str) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert words.lower() in err.lower()
    assert "Traceback" not in err


def test_gen_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    main(["gen", "--seed", "7"])
    first = capsys.readouterr().out
    main(["gen", "--seed", "7"])
    assert capsys.readouterr().out == first and "func.func @main" in first


def test_fuzz_campaign_end_to_end(tmp_path: Path) -> None:
    """The installed entry point: a short campaign stores findings and prints the summary."""
    exe = Path(sys.executable).parent / "fuzzir"
    proc = subprocess.run([str(exe), "fuzz", "--count", "4", "--seed", "0", "--targets", "llvm-cpu",
                           "--out", str(tmp_path), "--jobs", "2", "--no-minimize", "--corpus", "none"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr
    assert "programs 4" in proc.stdout
    entries = [p for p in tmp_path.iterdir() if p.is_dir() and not p.name.startswith(".")]
    metas = [json.loads((entry / "meta.json").read_text()) for entry in entries]
    # Exit 1 exactly when a defect (seen with the pass) is new; latent findings are stored, not failed on.
    assert (proc.returncode == 1) == any(m["verdict"] == "defect" for m in metas)
    for entry, meta in zip(entries, metas, strict=True):
        assert entry.name == meta["signature"] and meta["seed"] is not None and meta["verdict"] != "guarded"
    assert (tmp_path / "fuzzir.db").is_file()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_a_campaign_keeps_every_finding(tmp_path: Path, sig: signal.Signals) -> None:
    exe = Path(sys.executable).parent / "fuzzir"
    proc = subprocess.Popen([str(exe), "fuzz", "--time", "300", "--targets", "llvm-cpu", "--out", str(tmp_path),
                             "--corpus", "none",
                             "--no-minimize"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.is_dir() for p in tmp_path.iterdir()
                                                   if not p.name.startswith(".")):
        time.sleep(0.5)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, 1), err
    assert "Traceback" not in err and "stopping" in err
    assert "programs" in out  # the summary table
    entries = [p for p in tmp_path.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert entries and all((p / "meta.json").is_file() and (p / "repro.sh").is_file() for p in entries)
