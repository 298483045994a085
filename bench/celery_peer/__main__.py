"""`python -m bench.celery_peer`: this benchmark alone."""

import sys

from bench.celery_peer import main

sys.exit(main())
