"""What the package index shows is true: Pythons, extras, links, the pytest plugin."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).parents[2]
META = importlib.metadata.metadata("zonos-async")


def nox_pythons() -> list[str]:
    """The versions ``nox -s tests`` runs (noxfile's PYTHONS)."""
    match = re.search(r"^PYTHONS = \[(.+)\]$", (ROOT / "noxfile.py").read_text(), re.M)
    assert match is not None
    return re.findall(r'"(3\.\d+)"', match[1])


def test_the_classifiers_name_exactly_the_pythons_nox_tests() -> None:
    classified = [
        c.rsplit(" :: ", 1)[1]
        for c in META.get_all("Classifier") or []
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert classified == nox_pythons()
    assert META["Requires-Python"] == f">={nox_pythons()[0]}"


def test_ci_runs_the_oldest_and_the_newest() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    pythons = nox_pythons()
    assert f"for version in {pythons[0]} {pythons[-1]}; do" in script


def test_httpcore2_is_only_asked_for_where_it_installs() -> None:
    """httpcore2 needs Python 3.11: no extra may ask for it on 3.10 (none asks for it now)."""
    wanted = [
        Requirement(line)
        for line in META.get_all("Requires-Dist") or []
        if Requirement(line).name == "httpcore2"
    ]

    def asked(python: str, extra: str) -> bool:
        env = {"python_version": python, "extra": extra}
        return any(r.marker is None or r.marker.evaluate(env) for r in wanted)

    for extra in ("trio", "test"):
        assert not asked("3.10", extra)
        assert asked("3.13", extra) == bool(wanted)  # unless it left the package altogether


def test_project_urls_and_readme_links_are_absolute() -> None:
    urls = dict(url.split(", ", 1) for url in META.get_all("Project-URL") or [])
    assert set(urls) == {"Homepage", "Documentation", "Changelog", "Issues"}
    home = urls["Homepage"]
    assert all(url.startswith(home) for url in urls.values())
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)]+)\)", readme)
    assert links
    relative = [link for link in links if not re.match(r"https?://", link)]
    assert not relative, f"relative links break on the package index: {relative}"
    ours = [link for link in links if "zonos-async" in link and "github.com" in link]
    assert all(link.startswith(home) for link in ours)


def test_the_pytest_plugin_is_an_entry_point() -> None:
    points = importlib.metadata.entry_points(group="pytest11")
    assert [p.value for p in points if p.name == "zonos_async"] == [
        "zonos_async.testing.pytest_plugin"
    ]
