import sys

from localcloud.probes.cli import main

sys.exit(main())
