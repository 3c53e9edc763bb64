"""IREE releases side by side: a cache of released compilers and runtimes, and switching to one.

A release is a version of the `iree-base-compiler` and `iree-base-runtime` wheels (same version
numbers; 3.7.1 is a compiler-only release and is paired with the runtime 3.7.0). Its wheels are
unpacked with pip (`pip install --no-deps --target`) into ``$FUZZIR_CACHE/iree/VERSION``
(``~/.cache/fuzzir/iree/VERSION`` by default), about 300 MB each, from the configured package
index or from a wheel directory (``find_links``, offline: ``--no-index --find-links DIR``). An
install goes into a temporary directory renamed into place, so a release is complete or absent,
and ``release.json`` beside the wheels records its versions and compiler revision.

`activate(version)` makes every IREE tool fuzzir runs come from that release
(`fuzzir.sandbox.select_iree`, which also drops the caches that depend on the tools, such as the
derived global-optimization pipeline) and spells the target flags the way that release's
`iree-compile` knows them (`fuzzir.targets.use_compiler_options`). The installed release needs no
install: `activate` of its version (or None) goes back to the installed wheels.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from fuzzir import scratch
from fuzzir.pipeline import OPTION_SOURCES, bindings_version, registered_options, release_version
from fuzzir.sandbox import installed_tool, run_tool, select_iree, selected_iree, tool_path
from fuzzir.targets import use_compiler_options

CACHE_ENV = "FUZZIR_CACHE"
FIND_LINKS_ENV = "FUZZIR_FIND_LINKS"
COMPILER, RUNTIME = "iree-base-compiler", "iree-base-runtime"
RECORD = "release.json"
# Releases (3.10.0) and the release candidates IREE publishes beside them (3.14.0rc20261101).
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:(rc|\.dev)(\d+))?$")
_OPTION = re.compile(r"^\s+(--[A-Za-z0-9][\w-]*)")
_NO_MATCH = re.compile(r"No matching distribution found for (?P<pkg>[\w-]+)==(?P<v>\S+)")
_FROM_VERSIONS = re.compile(r"requirement (?P<pkg>[\w-]+)==\S+ \(from versions: (?P<vs>[^)]*)\)")


class ReleaseError(ValueError):
    """A release cannot be found, fetched or used; the message is one line."""


def version_key(version: str) -> tuple[int, ...]:
    """Sort key of a release version ("3.10.0" after "3.9.0", "3.14.0rc20261101" before "3.14.0")."""
    m = _VERSION.match(version)
    if m is None:
        raise ReleaseError(f"not an IREE release version: {version!r}")
    rank = {".dev": 0, "rc": 1, None: 2}[m[4]]
    return (int(m[1]), int(m[2]), int(m[3]), rank, int(m[5] or 0))


def check_version(version: str) -> str:
    """The version, if it is spelled like a release (X.Y.Z); else a ReleaseError."""
    if not _VERSION.match(version or ""):
        raise ReleaseError(f"not an IREE release version: {version!r} (expected X.Y.Z, e.g. 3.10.0, "
                           f"or a candidate X.Y.ZrcN)")
    return version


def cache_root() -> Path:
    """The directory holding one subdirectory per cached release."""
    base = os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".cache", "fuzzir")
    return Path(base) / "iree"


def installed_version() -> str:
    """The release installed with fuzzir (whose Python bindings parse IR)."""
    return bindings_version()


@dataclass(frozen=True)
class Release:
    """A release in the cache (or the installed one, `path` None)."""

    version: str
    path: Path | None
    runtime_version: str
    revision: str  # from `iree-compile --version`: "3.0.0rc20241118 @ 29c451b00ecc"
    size_bytes: int = 0

    @property
    def label(self) -> str:
        return self.version if self.path is not None else f"{self.version} (installed)"


def _size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


def _revision(compile_tool: str) -> str:
    res = run_tool([compile_tool, "--version"], timeout=60)
    m = re.search(r"IREE compiler version (\S+) @ ([0-9a-f]+)", res.stdout + res.stderr)
    return f"{m[1]} @ {m[2][:12]}" if m else "unknown"


def _read(path: Path) -> Release | None:
    try:
        data = json.loads((path / RECORD).read_text())
        return Release(data["version"], path, data["runtime_version"], data["revision"],
                       int(data.get("size_bytes", 0)))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def cached() -> list[Release]:
    """The releases in the cache, oldest first (partial installs are not releases)."""
    root = cache_root()
    found = [_read(p) for p in root.iterdir() if p.is_dir() and _VERSION.match(p.name)] if root.is_dir() else []
    return sorted((r for r in found if r is not None), key=lambda r: version_key(r.version))


@functools.cache
def installed_release() -> Release:
    """The installed release (its tools are the ones fuzzir uses by default)."""
    previous = selected_iree()
    select_iree(None)
    try:
        revision = _revision(tool_path("iree-compile"))
    finally:
        select_iree(previous)
    version = installed_version()
    return Release(version, None, version, revision)


def find(version: str) -> Release | None:
    """The cached release of `version`, or None."""
    return _read(cache_root() / check_version(version))


def _pip(args: list[str], find_links: str | None) -> list[str]:
    """pip with `find_links`: a directory of wheels is offline (no index); a URL (such as IREE's page of
    release candidates, https://iree.dev/pip-release-links.html) is searched beside the index."""
    index = []
    if find_links:
        offline = not re.match(r"^[a-z]+://", find_links)
        index = (["--no-index"] if offline else []) + ["--find-links", find_links]
    return [sys.executable, "-m", "pip", *args, "--disable-pip-version-check", "--retries", "2",
            "--timeout", "30", *index]


def available(find_links: str | None = None) -> list[str]:
    """Every release the package index (or wheel directory) offers, oldest first: compiler versions
    that have a runtime of the same X.Y."""
    find_links = find_links or os.environ.get(FIND_LINKS_ENV) or None
    versions: dict[str, list[str]] = {}
    for package in (COMPILER, RUNTIME):
        versions[package] = [v for v in _index_versions(package, find_links) if _VERSION.match(v)]
    runtimes = versions[RUNTIME]
    out = [v for v in versions[COMPILER] if _runtime_for(v, runtimes)]
    return sorted(out, key=version_key)


_AVAILABLE = re.compile(r"^Available versions:\s*(?P<versions>.*)$", re.M)


def _index_versions(package: str, find_links: str | None) -> list[str]:
    """The versions of `package` pip finds. `pip index versions --json` first (pip 23.3 and newer); the pip
    of a stock `python3 -m venv` (23.2 with Python 3.11) has no `--json` and rejects it, so then the
    plain listing, whose "Available versions: A, B, ..." line every pip with `index versions` prints."""
    res = subprocess.run(_pip(["index", "versions", "--json", package], find_links),
                         capture_output=True, text=True, timeout=300)
    try:
        found = json.loads(res.stdout)["versions"]
        if isinstance(found, list):
            return [str(v) for v in found]
    except (ValueError, KeyError, TypeError):
        pass
    res = subprocess.run(_pip(["index", "versions", package], find_links), capture_output=True, text=True,
                         timeout=300)
    m = _AVAILABLE.search(res.stdout)
    if m is None:
        why = _last_line(res.stderr) or f"pip exited {res.returncode}"
        raise ReleaseError(f"cannot list the releases of {package} on the package index: {why}")
    return [v.strip() for v in m["versions"].split(",") if v.strip()]


def _runtime_for(version: str, runtimes: list[str]) -> str | None:
    """The runtime a compiler release pairs with: the same version, else the newest X.Y.* before it."""
    if version in runtimes:
        return version
    same = [r for r in runtimes if version_key(r)[:2] == version_key(version)[:2]
            and version_key(r) <= version_key(version)]
    return max(same, key=version_key) if same else None


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("WARNING: Location")]
    return lines[-1][:300] if lines else ""


def _pip_install(version: str, runtime: str, dest: str, find_links: str | None,
                 progress: TextIO | None) -> tuple[bool, str]:
    argv = _pip(["install", "--no-deps", "--no-compile", "--only-binary=:all:", "--target", dest,
                 f"{COMPILER}=={version}", f"{RUNTIME}=={runtime}"], find_links)
    if progress is not None:
        progress.flush()
    out = progress.fileno() if progress is not None and _has_fileno(progress) else subprocess.DEVNULL
    res = subprocess.run(argv, stdout=out, stderr=subprocess.PIPE, text=True)
    return res.returncode == 0, res.stderr


def _has_fileno(stream: TextIO) -> bool:
    try:
        stream.fileno()
        return True
    except (OSError, ValueError, AttributeError):
        return False


def install(version: str, *, find_links: str | None = None, progress: TextIO | None = sys.stderr) -> Release:
    """Put a release into the cache (a no-op when it is there); a ReleaseError says why it cannot."""
    check_version(version)
    have = find(version)
    if have is not None:
        return have
    find_links = find_links or os.environ.get(FIND_LINKS_ENV) or None
    root = cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=root)
    except OSError as e:
        raise ReleaseError(f"cannot write the release cache {root}: {e.strerror or e}") from None
    start = time.monotonic()
    try:
        source = f"wheels in {find_links}" if find_links else "the package index"
        if progress is not None:
            print(f"fuzzir: installing IREE {version} from {source} into {root / version} ...",
                  file=progress, flush=True)
        runtime = version
        ok, err = _pip_install(version, runtime, tmp, find_links, progress)
        if not ok:
            runtime = _runtime_fallback(version, err)
            if runtime is None:
                raise ReleaseError(_install_problem(version, err, source))
            if progress is not None:
                print(f"fuzzir: no {RUNTIME} {version}; pairing it with {RUNTIME} {runtime}", file=progress)
            ok, err = _pip_install(version, runtime, tmp, find_links, progress)
            if not ok:
                raise ReleaseError(_install_problem(version, err, source))
        if release_version(tmp) != version:
            raise ReleaseError(f"installing IREE {version} gave no {COMPILER} {version}")
        select_previous = selected_iree()
        try:
            select_iree(tmp)
            revision = _revision(tool_path("iree-compile"))
            tool_path("iree-run-module")
        except FileNotFoundError as e:
            raise ReleaseError(f"IREE {version} lacks a tool fuzzir needs: {e}") from None
        finally:
            select_iree(select_previous)
        size = _size(Path(tmp))
        record = {"version": version, "runtime_version": runtime, "revision": revision, "size_bytes": size,
                  "installed_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "source": source}
        Path(tmp, RECORD).write_text(json.dumps(record, indent=1) + "\n")
        os.chmod(tmp, 0o755)  # mkdtemp made it private; a cache is for every user of the machine
        try:
            os.rename(tmp, root / version)
        except OSError:
            if find(version) is None:  # not another process winning the race
                raise
        if progress is not None:
            print(f"fuzzir: installed IREE {version} ({revision}), {size / 1e6:.0f} MB in "
                  f"{time.monotonic() - start:.0f} s", file=progress, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    release = find(version)
    assert release is not None
    return release


def _runtime_fallback(version: str, pip_stderr: str) -> str | None:
    """The runtime to pair with a compiler-only release, read from pip's "(from versions: ...)"."""
    for m in _FROM_VERSIONS.finditer(pip_stderr):
        if m["pkg"] == RUNTIME:
            runtimes = [v.strip() for v in m["vs"].split(",") if _VERSION.match(v.strip())]
            fallback = _runtime_for(version, runtimes)
            return fallback if fallback != version else None
    return None


def _install_problem(version: str, pip_stderr: str, source: str) -> str:
    m = _NO_MATCH.search(pip_stderr)
    if m:
        offered = next((f["vs"] for f in _FROM_VERSIONS.finditer(pip_stderr) if f["pkg"] == m["pkg"]), "")
        if offered.strip() == "none":
            return (f"{m['pkg']} is not available from {source} (no network, or a package index "
                    f"without IREE?): cannot install IREE {version}")
        return f"IREE {version} is not on {source} ({m['pkg']} has {offered or 'other versions'})"
    return f"cannot install IREE {version}: {_last_line(pip_stderr) or 'pip failed'}"


def prune(versions: list[str] | None = None) -> list[tuple[str, int]]:
    """Delete the given cached releases (all when None) and any partial install; (version, bytes) freed."""
    root = cache_root()
    if not root.is_dir():
        return []
    wanted = None if versions is None else {check_version(v) for v in versions}
    freed = []
    for path in sorted(root.iterdir()):
        partial = path.name.startswith(".tmp-")
        if not path.is_dir() or not (partial or _VERSION.match(path.name)):
            continue
        if wanted is not None and path.name not in wanted and not partial:
            continue
        size = _size(path)
        shutil.rmtree(path, ignore_errors=True)
        if not partial:
            freed.append((path.name, size))
    return freed


def compiler_options(compile_tool: str) -> frozenset[str]:
    """The command-line options an `iree-compile` knows (from its `--help-hidden`)."""
    res = run_tool([compile_tool, "--help-hidden"], timeout=60)
    return frozenset(m[1] for line in res.stdout.splitlines() if (m := _OPTION.match(line)))


def activate(version: str | None, *, find_links: str | None = None,
             progress: TextIO | None = sys.stderr, notes: bool = True) -> Release | None:
    """Use release `version` for every IREE tool from now on (installing it first when needed).

    None, or the installed version, goes back to the installed wheels. Returns the release
    (None for the installed one). Installing shows its progress on `progress`; `notes` says there
    which target flags this release spells otherwise."""
    if version is None or check_version(version) == installed_version():
        select_iree(None)
        use_compiler_options(None)
        return None
    release = install(version, find_links=find_links, progress=progress)
    assert release.path is not None
    select_iree(str(release.path))
    try:
        respelled = use_compiler_options(compiler_options(tool_path("iree-compile")))
    except FileNotFoundError as e:
        select_iree(None)
        use_compiler_options(None)
        raise ReleaseError(f"the cached IREE {version} is broken ({e}); `fuzzir iree prune {version}`") from None
    if progress is not None and notes:
        for note in respelled:
            print(f"note: IREE {version}: {note}", file=progress)
    return release


def _previous_minor_options() -> dict[str, str]:
    """Pass options for a release that prints them nowhere (3.11.0: old pass headers, and its registered
    pipeline hides nested passes in adaptors): those of the previous minor release's registered pipeline
    (3.10.0), installed into the cache when needed. `fuzzir.pipeline` verifies the result either way."""
    root = selected_iree()
    if root is None:
        return {}
    major, minor = version_key(release_version(root))[:2]
    if minor == 0:
        return {}
    previous = f"{major}.{minor - 1}.0"
    if previous == installed_version():
        iree_opt = installed_tool("iree-opt")
    else:
        try:
            path = install(previous, progress=sys.stderr).path
        except ReleaseError:
            return {}
        iree_opt = str(path / "iree" / "compiler" / "_mlir_libs" / "iree-opt") if path else None
    if iree_opt is None:
        return {}
    with scratch.temp_dir("options") as tmp:
        empty = Path(tmp, "empty.mlir")
        empty.write_text("module {\n}\n")
        return registered_options(str(empty), iree_opt)


OPTION_SOURCES.append(_previous_minor_options)
