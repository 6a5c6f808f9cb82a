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
