#!/usr/bin/env python
"""Django's command-line utility for the portal."""

import os
import sys


def main() -> None:
    if sys.version_info < (3, 12):
        sys.exit(
            f"Python {sys.version_info.major}.{sys.version_info.minor} is not supported: "
            "the portal needs Python 3.12 or newer (run it through `make`, which finds one)."
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hanoi_ict.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError:
        sys.exit("Django is not installed in this Python: run `make setup` first.")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
