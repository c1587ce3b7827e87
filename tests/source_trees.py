"""Parsing the project's own source in tests, safely on CPython 3.11.

CPython 3.11.7 (this machine's, and possibly a fresh CI machine's) raises
`SystemError: AST constructor recursion depth mismatch` when a garbage-collector finalizer
runs Python code while `ast.parse` builds its tree (CPython gh-106905, fixed in later
releases). The suite leaves such finalizers behind (asyncio futures from the Pulumi mocks
log "exception was never retrieved" when collected), so a parse can fail at random. Pausing
the collector for the parse removes the window: no automatic collection, hence no finalizer,
can run while the tree is built. (No `gc.collect()` first: in a worker whose heap holds a
whole embedded cloud, one full collection per parsed file cost the suite over a minute.)
"""

from __future__ import annotations

import ast
import gc
from pathlib import Path


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(source, filename=filename)
    finally:
        if was_enabled:
            gc.enable()


def parse_file(path: Path) -> ast.Module:
    return parse(path.read_text(encoding="utf-8"), filename=str(path))
