"""Developer tasks: ``nox -s tests``, ``nox -s lint``, ``nox -s typecheck``."""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True

PACKAGE = "zonos_async"

# Every Python the package claims (pyproject's classifiers): the oldest, the README's, the newest.
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


def _find_pyenv_pythons() -> None:
    """Put pyenv's real interpreters on PATH: its shims answer only for the active version."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    found = []
    for version in PYTHONS:
        candidates = root.glob(f"{version}.*/bin/python{version}")
        newest = max(candidates, key=lambda path: int(path.parts[-3].split(".")[2]), default=None)
        if newest is not None:
            found.append(str(newest.parent))
    if found:
        os.environ["PATH"] = os.pathsep.join([*found, os.environ.get("PATH", "")])


_find_pyenv_pythons()


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite, as the README runs it, on every supported Python."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[typecheck]")
    session.run("mypy", "--strict", PACKAGE)


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmark (``-- --quick``; ``-- --out docs/performance.md`` rewrites the page).

    ``--out`` also writes the results (``docs/performance.json``) and the charts (matplotlib,
    SVG); ``-- --render-from docs/performance.json --out docs/performance.md`` redraws them
    without measuring. Not among the default sessions. Bench-only packages are installed here,
    never by the package.
    """
    session.install(
        "-e", ".[fake-server,trio,postgresql]", "aiohttp", "requests", "httpx2", "matplotlib>=3.8"
    )
    session.run("python", "benchmarks/run.py", *session.posargs)


# ruff formats the signatures in the API reference.
DOCS_DEPS = ("mkdocs>=1.6", "mkdocs-material>=9.5", "mkdocstrings[python]>=0.26", "ruff>=0.6")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site with ``mkdocs build --strict``: every warning is an error.

    MkDocs + Material + mkdocstrings: the pages are Markdown beside the code, and mkdocstrings
    renders the API reference from the same Google-style docstrings. The same packages are the
    ``docs`` extra.
    """
    session.install("-e", ".", *DOCS_DEPS)
    session.run("mkdocs", "build", "--strict", *session.posargs, env={"NO_MKDOCS_2_WARNING": "1"})


# The modules `nox -s mutants` mutates, and the tests it runs, are in pyproject.toml [tool.mutmut].
MUTATION_THRESHOLD = 90.0
# mutmut's verdicts that mean a test (or a time limit) noticed the mutant.
DETECTED = frozenset({"killed", "timeout", "caught by type check"})


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation testing of the client core with mutmut: fails if a module scores below 90%.

    Not among the default sessions. ``mutants/`` keeps mutmut's results, so a second run only
    retries what changed; ``-- --fresh`` starts over. Survivors: ``mutmut results``, then
    ``mutmut show NAME``. Equivalent mutants are marked ``# pragma: no mutate`` in the source,
    with the reason beside it; mutmut does not make them, the table counts the pragmas.
    """
    import shutil
    from collections import Counter, defaultdict
    from pathlib import Path

    session.install("-e", ".[test]", "mutmut>=3.8,<4")
    if "--fresh" in session.posargs:
        shutil.rmtree("mutants", ignore_errors=True)
    session.run("mutmut", "run")
    listing = session.run("mutmut", "results", "--all", "true", silent=True) or ""
    verdicts: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for line in listing.splitlines():  # "    zonos_async._retry.x_classify__mutmut_3: killed"
        name, sep, verdict = line.strip().partition(": ")
        if sep:
            verdicts[name.rsplit(".", 1)[0]][verdict] += 1
    for module, counts in verdicts.items():
        source = Path(module.replace(".", "/") + ".py").read_text()
        # A pragma marks one line, or opens a region ("start" ... "end", or a "block").
        pragmas = source.count("# pragma: no mutate") - source.count("# pragma: no mutate end")
        counts["equivalent"] = pragmas
    print(f"{'module':26} {'killed':>7} {'survived':>9} {'pragmas':>8} {'score':>7}")
    overall = sum(verdicts.values(), Counter())
    low = []
    for module, counts in [*sorted(verdicts.items()), ("overall", overall)]:
        killed = sum(counts[v] for v in DETECTED)
        ran = sum(counts.values()) - counts["skipped"] - counts["equivalent"]
        score = 100 * killed / ran if ran else 100.0
        print(f"{module:26} {killed:7} {ran - killed:9} {counts['equivalent']:8} {score:6.1f}%")
        if score < MUTATION_THRESHOLD:
            low.append(module)
    if low:
        session.error(f"below {MUTATION_THRESHOLD:.0f}% killed: {', '.join(low)}")
