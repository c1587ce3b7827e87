"""What `pulumi up` runs (`main: infra/` in Pulumi.yaml).

Pulumi's Python host changes into `infra/` and runs this directory with
`runpy.run_path(".")`, which puts `infra/` itself first on sys.path and leaves the
repository root off it. The program imports the repository's packages (`infra`,
`workflow`, `functions`), so the root goes on sys.path; `infra/` comes off, where its
modules (`config`, `events`, ...) would shadow installed top-level modules of the same name.
"""

import sys
from pathlib import Path

_INFRA_DIR = Path(__file__).resolve().parent
_REPO_ROOT = _INFRA_DIR.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _INFRA_DIR]
sys.path.insert(0, str(_REPO_ROOT))

from infra.program import define_stack  # noqa: E402 - needs the path set up above

define_stack()
