"""The clock engine's monopoly (issue 7): clock rows are read and written only inside core/deadlines;
the engine names no domain — domains register their subjects, kinds and street work at start-up."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "core", "district", "home", "demo", "reports", "tenants", "platform")
# Reaching the clock table other than through core.deadlines' functions.
FORBIDDEN = re.compile(r"\bClock\.(objects|_default_manager|_base_manager)\b|\bdeadlines_clock\b")


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path


def offenders(root: Path = ROOT) -> list[str]:
    found = []
    for path in _sources():
        relative = path.relative_to(root)
        if relative.parts[:2] == ("core", "deadlines"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FORBIDDEN.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_no_clock_rows_are_touched_outside_the_engine():
    assert offenders() == [], "use core.deadlines.services / selectors instead:\n" + "\n".join(offenders())


def test_the_check_catches_a_raw_clock_query():
    assert FORBIDDEN.search('    Clock.objects.filter(subject_type="requests.citizenrequest")')
    assert FORBIDDEN.search("cursor.execute('UPDATE deadlines_clock SET due_at = now()')")
    assert not FORBIDDEN.search("from core.deadlines.services import clocks_of")


def _code_strings_and_imports(path: Path) -> list[str]:
    """String constants (docstrings left out) and imported module names of one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found.append(node.value)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return found


def test_the_engine_names_no_domain():
    """No subject type or module of a domain that owns clocks is spelled out in the engine's code
    (comments and docstrings may give examples; reach through core.org is a listed back edge)."""
    domains = ("requests", "rectification", "campaigns", "relief", "inspections", "reports")
    pattern = re.compile(rf"^(core\.)?({'|'.join(domains)})\.[a-z_]+")
    for path in sorted((ROOT / "core" / "deadlines").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        hits = [text for text in _code_strings_and_imports(path) if pattern.match(text)]
        assert hits == [], f"{path.relative_to(ROOT)} names a domain: {hits}"


def test_every_clock_kind_in_use_is_registered_by_a_domain():
    from core.deadlines.subjects import KIND_LABELS, SUBJECTS

    assert {"respond", "handle", "feedback", "rectify", "lookback", "deliverable", "problem", "need",
            "report_submit", "patrol_week", "relief_whole"} <= set(KIND_LABELS)
    assert SUBJECTS["requests.citizenrequest"].events == {
        "overdue": "request.overdue",
        "escalated": "request.escalated",
    }
