"""docs/architecture.md stays true: the files it names exist, and the package's edges point the way it says."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "seqgan"


def imports(path: Path) -> set[str]:
    """The seqgan modules ``path`` imports (``from seqgan.x import y`` counts as seqgan.x and seqgan.x.y)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return {name for name in found if name == "seqgan" or name.startswith("seqgan.")}


def package_of(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts[:2])


def test_every_file_the_architecture_page_names_exists():
    text = (REPO / "docs" / "architecture.md").read_text()
    named = set(re.findall(r"`((?:seqgan|workflow|config)/[\w./-]+\.(?:py|smk|yaml))`", text))
    assert len(named) > 20
    assert not sorted(path for path in named if not (REPO / path).exists())


@pytest.mark.parametrize("layer", ["data", "models", "metrics", "train", "report"])
def test_the_library_never_imports_the_cli(layer):
    for path in (PACKAGE / layer).glob("*.py"):
        assert not any(name.startswith("seqgan.cli") for name in imports(path)), path


def test_data_does_not_import_models():
    """models -> data only (the released oracle's checksum): no cycle."""
    for path in (PACKAGE / "data").glob("*.py"):
        assert not any(name.startswith("seqgan.models") for name in imports(path)), path


def test_report_does_not_import_training_code():
    for path in (PACKAGE / "report").glob("*.py"):
        assert not any(name.startswith("seqgan.train") for name in imports(path)), path


def test_config_and_stages_import_no_other_seqgan_module():
    """The Snakefile imports both, without torch: they stay standard library, PyYAML and jsonschema."""
    assert imports(PACKAGE / "stages.py") == set()
    for path in (PACKAGE / "config").glob("*.py"):
        others = {name for name in imports(path) if not name.startswith("seqgan.config")}
        assert others <= {"seqgan", "seqgan.stages"}, path
