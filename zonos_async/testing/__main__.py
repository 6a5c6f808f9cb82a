"""``python -m zonos_async.testing serve``: the fake on a local port, for demos and load runs.

Example::

    python -m zonos_async.testing serve --port 8080 --orders 1000 --seed 7 --latency-ms 40

The clock ticks in real time; the generated orders are spread over the days before start-up.
The secret is never printed (the default is the vendor's documentation placeholder).

To keep orders arriving and statuses changing while a client runs, give a rate of new orders
(``--orders-per-hour``, in fake hours) or ``--lifecycle``, and speed the clock up (``--speed 60``:
an hour a minute, so fraud reviews end and cancellations come within minutes)::

    python -m zonos_async.testing serve --orders 500 --orders-per-hour 600 --speed 60
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._fake import DOC_SECRET, DOC_STORE, FakeClock, FakeZonos
from ._faults import Faults
from ._lifecycle import Lifecycle

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m zonos_async.testing", description="The in-memory fake of the Zonos API."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the fake over HTTP (needs uvicorn)")
    serve.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port, 0 = any free (default 8080)")
    serve.add_argument("--orders", type=int, default=1000, help="generated orders (default 1000)")
    serve.add_argument("--seed", type=int, default=0, help="seed of the generated data")
    serve.add_argument("--days", type=float, default=60, help="days the orders span (default 60)")
    serve.add_argument(
        "--latency-ms", type=float, default=0.0, help="added to every answer, in milliseconds"
    )
    serve.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="fake seconds per real second (default 1; 3600 = an hour a second)",
    )
    serve.add_argument(
        "--lifecycle",
        action="store_true",
        help="move orders on as the clock ticks: fraud reviews end, cancellations, late orders",
    )
    serve.add_argument(
        "--orders-per-hour",
        type=float,
        default=0.0,
        help="new orders per fake hour (implies --lifecycle; default 0)",
    )
    serve.add_argument(
        "--fraud-review",
        type=float,
        default=Lifecycle().fraud_review,
        help="share of new orders that start in fraud review (default %(default)s)",
    )
    serve.add_argument(
        "--cancelled",
        type=float,
        default=Lifecycle().cancelled,
        help="share of in-process orders Zonos cancels later (default %(default)s)",
    )
    serve.add_argument(
        "--day-start-hour",
        type=int,
        default=0,
        help="UTC hour at which Zonos days begin for sinceDate/throughDate (default 0)",
    )
    serve.add_argument("--store", type=int, default=DOC_STORE, help="store id (default 999)")
    serve.add_argument(
        "--secret", default=DOC_SECRET, help="API secret (default: the documentation placeholder)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit status."""
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
    try:
        run(fake, host=args.host, port=args.port)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # pragma: no cover - interactive
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
