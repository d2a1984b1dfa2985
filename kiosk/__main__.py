"""``python -m kiosk``: see :mod:`kiosk.cli`."""

import sys

from .cli import main

sys.exit(main())
