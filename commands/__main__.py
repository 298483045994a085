"""`python -m commands` is `connec-sync`."""

import sys

from commands import main

sys.exit(main())
