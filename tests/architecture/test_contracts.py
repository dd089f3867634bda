"""The import contracts of pyproject.toml hold, and docs/architecture.md names every layer they enforce."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_architecture_doc_names_every_layer_and_contract():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    contracts = _config()["contracts"]
    for contract in contracts:
        assert f"`{contract['id']}`" in doc, (
            f"docs/architecture.md does not describe contract {contract['id']}"
        )
    layers = next(c for c in contracts if c["id"] == "layers")["layers"]
    for layer in layers:
        for module in layer.replace("|", " ").replace(":", " ").split():
            assert f"`{module}`" in doc, f"docs/architecture.md does not place {module}"


def test_contracts_count_imports_inside_functions(tmp_path):
    """grimp (under import-linter) must see an import written inside a function: a contract that
    forbids such an import fails."""
    package = tmp_path / "probe"
    (package / "low").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "low" / "__init__.py").write_text("def f():\n    from probe import high\n    return high\n")
    (package / "high.py").write_text("from probe import low\n")
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = probe\n\n[importlinter:contract:1]\nname = probe layers\n"
        "type = layers\nlayers =\n    probe.high\n    probe.low\n"
    )
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "probe.low is not allowed to import probe.high" in result.stdout
