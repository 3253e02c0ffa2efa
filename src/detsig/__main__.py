"""``python -m detsig``: the same as the ``detsig`` command."""

import sys

from detsig.cli import main

sys.exit(main())
