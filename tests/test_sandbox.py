"""The sandbox must turn hangs, crashes and memory blow-ups into results, not exceptions."""

from __future__ import annotations

import signal
import sys
import time

from fuzzir.sandbox import format_command, run_tool, tool_path


def test_timeout_kills_process_group() -> None:
    start = time.monotonic()
    # The shell's child sleep is in the same group and must die with it.
    res = run_tool(["sh", "-c", "sleep 30; echo done"], timeout=0.5)
    assert res.timed_out
    assert res.returncode is None
    assert not res.ok
    assert "done" not in res.stdout
    assert time.monotonic() - start < 5


def test_signal_reported() -> None:
    res = run_tool([sys.executable, "-c", "import os; os.abort()"], timeout=20)
    assert res.signal == signal.SIGABRT
    assert not res.ok and not res.timed_out


def test_memory_limit_fails_the_tool_not_us() -> None:
    """Resident memory, not address space: a tool writing 4 GB is killed near 1 GB (and says why)."""
    res = run_tool([sys.executable, "-c", "x = b'x' * (4 << 30); print('survived')"], timeout=60, mem_limit_mb=1024)
    assert not res.ok and not res.timed_out
    assert res.out_of_memory and res.memory_limit_mb == 1024
    assert "resident memory above the limit of 1024 MiB" in res.stderr and "survived" not in res.stdout


def test_reserving_address_space_is_not_running_out_of_memory() -> None:
    """What RLIMIT_AS got wrong: a reservation never touched (GPU runtimes, LLVM) is not memory used."""
    res = run_tool([sys.executable, "-c", "import mmap; m = mmap.mmap(-1, 16 << 30); print('ok')"], timeout=30,
                   mem_limit_mb=256)
    assert res.ok and res.stdout.strip() == "ok" and not res.out_of_memory


def test_ok_output_and_missing_tool() -> None:
    res = run_tool([sys.executable, "-c", "print('hi')"], timeout=20)
    assert res.ok and res.stdout.strip() == "hi" and res.signal is None
    missing = run_tool(["/nonexistent/tool"], timeout=5)
    assert not missing.ok and "cannot start" in missing.stderr


def test_stderr_is_capped() -> None:
    res = run_tool(
        [sys.executable, "-c", "import sys; sys.stderr.write('x' * 500000)"], timeout=20
    )
    assert res.ok and len(res.stderr) < 70 * 1024


def test_format_command_quotes() -> None:
    assert format_command(["iree-opt", "--pass-pipeline=builtin.module(a{b=c d})"]) == (
        "iree-opt '--pass-pipeline=builtin.module(a{b=c d})'"
    )


def test_tool_path_finds_native_binaries() -> None:
    for name in ("iree-compile", "iree-opt", "iree-run-module"):
        path = tool_path(name)
        with open(path, "rb") as f:
            assert f.read(4) == b"\x7fELF", f"{path} should be the native binary, not a wrapper"


def test_a_quiet_retry_runs_alone_among_fuzzirs_tools() -> None:
    """While one thread retries in `quiet`, another thread's next tool waits for it to end."""
    import threading

    from fuzzir.sandbox import quiet

    ended: dict[str, float] = {}
    inside = threading.Event()

    def retry() -> None:
        with quiet():
            inside.set()
            run_tool(["sleep", "1"], timeout=10)
            ended["retry"] = time.monotonic()

    thread = threading.Thread(target=retry)
    thread.start()
    inside.wait(10)
    run_tool(["true"], timeout=10)
    started_after = time.monotonic()
    thread.join()
    assert started_after >= ended["retry"]
