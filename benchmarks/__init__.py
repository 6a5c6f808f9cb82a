"""The zonos_async benchmark harness: ``python benchmarks/run.py`` (or ``nox -s bench``).

Not part of the package. ``run.py`` starts a fake Zonos in its own process, then runs each client
in fresh processes against it and prints Markdown tables; see ``run.py --help``.
"""
