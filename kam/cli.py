"""The `kam` command: Django's manage.py plus kam's own commands (import, demo, serve)."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kam", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
