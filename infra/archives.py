"""Reproducible Lambda archives: the same sources always give the same bytes.

Two archives are built under `out/build/`:

- the function package: every `*.py` of `functions/` and of `contract/` (what the handlers
  share with the definition and infra) under the same folders in the zip, so a handler is
  `functions.<module>.handler` and imports `contract.<module>` as it does here;
- the Slack layer: the installed `slack_sdk` (the version uv.lock pins) under `python/`,
  where Lambda puts layers on `sys.path`.

Entries are sorted, timestamped 1980-01-01 (the earliest a zip can say), 0644, and stored
uncompressed: deflate output depends on the zlib build, and an archive whose bytes change
between machines would show a diff on every `pulumi preview`. Caches, dot-files and editors'
temporary files are left out. The base64 SHA-256 of the zip is what Lambda reports as
CodeSha256, so the program can hand Pulumi a hash that only changes with the code.

This module is deliberately not named `packaging`: Pulumi runs `infra/` with that directory
on sys.path, where an `infra/packaging.py` would shadow the `packaging` distribution that
pulumi_aws imports.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import io
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO_ROOT / "out" / "build"
# The packages the function zip holds, each under its own name.
PACKAGE_SOURCES = (REPO_ROOT / "functions", REPO_ROOT / "contract")
FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
_SKIPPED_DIRS = frozenset({"__pycache__"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo", ".tmp", ".swp", "~")


@dataclass(frozen=True)
class BuiltArchive:
    path: Path
    sha256_base64: str  # Lambda's CodeSha256 of this zip

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def _files(root: Path, include: Iterable[str] | None = None) -> Iterator[Path]:
    """Files under root, skipping caches, dot-files and temporaries; `include` filters by
    suffix (e.g. `(".py",)`)."""
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if d not in _SKIPPED_DIRS and not d.startswith(".")]
        for name in files:
            if name.startswith(".") or name.endswith(_SKIPPED_SUFFIXES):
                continue
            if include is not None and not name.endswith(tuple(include)):
                continue
            yield Path(directory, name)


def zip_bytes(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """A zip of (archive name, content) pairs, independent of time, umask and zlib."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP)
            info.external_attr = (0o100000 | FILE_MODE) << 16  # regular file, rw-r--r--
            info.create_system = 3  # Unix, whatever the building machine is
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, content)
    return buffer.getvalue()


def _write_if_changed(path: Path, content: bytes) -> None:
    """Atomic write (parallel test runs may build at once); untouched when identical."""
    if path.exists() and path.read_bytes() == content:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as tmp:
        tmp.write(content)
    os.replace(tmp.name, path)


def _build(path: Path, entries: Iterable[tuple[str, bytes]]) -> BuiltArchive:
    content = zip_bytes(entries)
    _write_if_changed(path, content)
    digest = base64.b64encode(hashlib.sha256(content).digest()).decode("ascii")
    return BuiltArchive(path=path, sha256_base64=digest)


def function_package_entries(
    sources: Sequence[Path] = PACKAGE_SOURCES,
) -> list[tuple[str, bytes]]:
    return [
        (f"{source.name}/{file.relative_to(source).as_posix()}", file.read_bytes())
        for source in sources
        for file in _files(source, include=(".py",))
    ]


def build_function_package(
    sources: Sequence[Path] = PACKAGE_SOURCES, build_dir: Path = BUILD_DIR
) -> BuiltArchive:
    return _build(build_dir / "functions.zip", function_package_entries(sources))


def slack_sdk_version() -> str:
    return importlib.metadata.version("slack_sdk")


def slack_layer_entries() -> list[tuple[str, bytes]]:
    spec = importlib.util.find_spec("slack_sdk")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("slack_sdk is not installed: run `make install` (uv sync --locked)")
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    return [
        (f"python/slack_sdk/{file.relative_to(package_dir).as_posix()}", file.read_bytes())
        for file in _files(package_dir)
    ]


def build_slack_layer(build_dir: Path = BUILD_DIR) -> BuiltArchive:
    return _build(build_dir / f"slack-sdk-{slack_sdk_version()}-layer.zip", slack_layer_entries())
