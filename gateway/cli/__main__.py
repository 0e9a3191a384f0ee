"""``python -m gateway.cli`` is the ``gardefou`` command."""

import sys

from gateway.cli import main

sys.exit(main())
