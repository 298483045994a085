"""`python -m connec_sync` is `connec-sync`."""

import sys

from connec_sync.cli import main

sys.exit(main())
