"""The question engine is one module, plain data without WTForms; the form modules share it
and take nothing private from each other."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import forms

FORMS = Path(forms.__file__).parent


def _imported_without(modules: str) -> list[str]:
    """Which of Flask-WTF and WTForms a fresh interpreter has loaded after importing ``modules``."""
    code = (
        f"import sys, {modules}; "
        "print(' '.join(m for m in ('flask_wtf', 'wtforms') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=FORMS.parent,
    )
    return result.stdout.split()


def test_the_question_engine_imports_without_wtforms():
    assert _imported_without("forms.questions") == []


def test_the_catalogues_the_domain_reads_import_without_wtforms():
    catalogues = "forms.referral, forms.trawl_return, forms.imr, service.trawls.submission"
    assert _imported_without(catalogues) == []


def test_no_form_module_imports_a_private_name_from_another():
    found = []
    for path in sorted(FORMS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("forms"):
                found += [
                    f"{path.name}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_")
                ]
            elif (
                # `from forms import trawl_return`, then `trawl_return._data`
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and isinstance(node.value, ast.Name)
                and (FORMS / f"{node.value.id}.py").exists()
            ):
                found.append(f"{path.name}: {node.value.id}.{node.attr}")
    assert found == []
