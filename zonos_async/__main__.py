"""``python -m zonos_async``: the ``zonos-async`` command (needs the ``cli`` extra)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]

_MISSING = "zonos-async: the command line needs the 'cli' extra: pip install 'zonos-async[cli]'"


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command, or say in one line which extra to install."""
    try:
        from ._cli import main as cli_main
    except ModuleNotFoundError as exc:
        if exc.name not in ("click", "rich") and not (exc.name or "").startswith("rich."):
            raise
        print(_MISSING, file=sys.stderr)
        sys.exit(1)
    cli_main(argv)


if __name__ == "__main__":
    main()
