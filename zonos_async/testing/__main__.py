"""``python -m zonos_async.testing``: the fake on a local port, for demos, manual tests, load runs.

Example::

    python -m zonos_async.testing --port 8080 --orders 1000 --seed 7 --latency-ms 40

It starts with one line that says where it is and what a client must send, ready to paste into
a shell::

    Fake Zonos at http://127.0.0.1:8080  store=999 secret=f5bde245-...  (ZONOS_BASE_URL=...
    ZONOS_STORE_ID=999 ZONOS_SECRET=...)

The secret is the fake's, never a real one: the vendor's documentation placeholder unless
``--secret`` names another. The clock ticks in real time; the generated orders are spread over
the days before start-up. ``serve`` before the options is accepted, for the older spelling.

To keep orders arriving and statuses changing while a client runs, give a rate of new orders
(``--orders-per-hour``, in fake hours) or ``--lifecycle``, and speed the clock up (``--speed 60``:
an hour a minute, so fraud reviews end and cancellations come within minutes)::

    python -m zonos_async.testing --orders 500 --orders-per-hour 600 --speed 60
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence

from ._fake import DOC_SECRET, DOC_STORE, FakeClock, FakeZonos
from ._faults import Faults
from ._lifecycle import Lifecycle

__all__ = ["banner", "main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m zonos_async.testing",
        description="Serve the in-memory fake of the Zonos API over HTTP (needs uvicorn: "
        "pip install 'zonos-async[fake-server]').",
    )
    parser.add_argument("command", nargs="?", choices=["serve"], help=argparse.SUPPRESS)
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port, 0 = any free (default 8080)")
    parser.add_argument("--orders", type=int, default=1000, help="generated orders (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated data")
    parser.add_argument("--days", type=float, default=60, help="days the orders span (default 60)")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="added to every answer, in milliseconds"
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="fake seconds per real second (default 1; 3600 = an hour a second)",
    )
    parser.add_argument(
        "--lifecycle",
        action="store_true",
        help="move orders on as the clock ticks: fraud reviews end, cancellations, late orders",
    )
    parser.add_argument(
        "--orders-per-hour",
        type=float,
        default=0.0,
        help="new orders per fake hour (implies --lifecycle; default 0)",
    )
    parser.add_argument(
        "--fraud-review",
        type=float,
        default=Lifecycle().fraud_review,
        help="share of new orders that start in fraud review (default %(default)s)",
    )
    parser.add_argument(
        "--cancelled",
        type=float,
        default=Lifecycle().cancelled,
        help="share of in-process orders Zonos cancels later (default %(default)s)",
    )
    parser.add_argument(
        "--day-start-hour",
        type=int,
        default=0,
        help="UTC hour at which Zonos days begin for sinceDate/throughDate (default 0)",
    )
    parser.add_argument("--store", type=int, default=DOC_STORE, help="store id (default 999)")
    parser.add_argument(
        "--secret", default=DOC_SECRET, help="API secret (default: the documentation placeholder)"
    )
    return parser


def banner(url: str, store: int, secret: str) -> str:
    """The first line the server prints: where it is, and what a client sends."""
    env = {"ZONOS_BASE_URL": url, "ZONOS_STORE_ID": str(store), "ZONOS_SECRET": secret}
    exports = " ".join(f"{name}={shlex.quote(value)}" for name, value in env.items())
    return f"Fake Zonos at {url}  store={store} secret={shlex.quote(secret)}  ({exports})"


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and serve the fake until Ctrl-C; returns the exit status."""
    args = _parser().parse_args(argv)
    from ._server import run  # optional dependency, imported late

    faults = Faults(latency=args.latency_ms / 1000) if args.latency_ms else None
    try:
        lifecycle = None
        if args.lifecycle or args.orders_per_hour:
            lifecycle = Lifecycle(
                orders_per_hour=args.orders_per_hour,
                fraud_review=args.fraud_review,
                cancelled=args.cancelled,
            )
        fake = FakeZonos.seeded(
            orders=args.orders,
            seed=args.seed,
            store=args.store,
            secret=args.secret,
            days=args.days,
            clock=FakeClock(ticking=True, speed=args.speed),
            faults=faults,
            lifecycle=lifecycle,
            day_start_hour=args.day_start_hour,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def announce(url: str) -> None:
        print(banner(url, fake.store, fake.secret), flush=True)
        print(f"{len(fake.order_ids())} orders; Ctrl-C to stop", flush=True)

    try:
        run(fake, host=args.host, port=args.port, announce=announce)
    except (RuntimeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # pragma: no cover - interactive
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
