"""Parsing the project's own source in tests, safely on CPython 3.11.

CPython 3.11.7 (this machine's, and possibly a fresh CI machine's) raises
`SystemError: AST constructor recursion depth mismatch` when a garbage-collector finalizer
runs Python code while `ast.parse` builds its tree (CPython gh-106905, fixed in later
releases). The suite leaves such finalizers behind (asyncio futures from the Pulumi mocks
log "exception was never retrieved" when collected), so a parse can fail at random. Collecting
first and pausing the collector for the parse removes the window.
"""

from __future__ import annotations

import ast
import gc
from pathlib import Path


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(source, filename=filename)
    finally:
        if was_enabled:
            gc.enable()


def parse_file(path: Path) -> ast.Module:
    return parse(path.read_text(encoding="utf-8"), filename=str(path))
