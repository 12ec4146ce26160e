"""Run the main job: ``python -m subscription_metrics --help``."""

from __future__ import annotations

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
