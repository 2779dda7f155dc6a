"""`python -m local` runs the local stack (see local.stack)."""

import sys

from local.stack import main

sys.exit(main())
