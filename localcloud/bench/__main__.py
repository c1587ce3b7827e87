"""`python -m localcloud.bench`: see `localcloud.bench.cli`."""

from __future__ import annotations

import sys

from localcloud.bench.cli import main

if __name__ == "__main__":
    sys.exit(main())
