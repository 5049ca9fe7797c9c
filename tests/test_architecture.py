"""The one-way rules between the packages (docs/ARCHITECTURE.md), checked by reading the imports of
every file: `import x`, `from x import y`, and a module named as text to importlib.import_module,
__import__ or runpy.run_module, so no rule is dodged by importing through a string."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

FEATURES = ("kam.sales", "kam.accounts", "kam.revisits", "kam.risk", "kam.imports", "kam.explore")
SHARED = ("kam.filters", "kam.periods", "kam.formatting", "kam.export", "kam.i18n")
BY_NAME = {"import_module", "__import__", "run_module"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(source: str, here: str = "") -> set[str]:
    """Every module the source imports, by statement or by a name given as text."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package of `here`
                base = ".".join(here.split(".")[:-node.level] + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called in BY_NAME and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


def code_files() -> dict[str, set[str]]:
    files = [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/**/*.py"), *ROOT.glob("kam/**/*.py")]
    return {module_name(path): imported(path.read_text(encoding="utf-8"), module_name(path)) for path in files}


CODE = code_files()


def within(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def breaking(importers: tuple[str, ...], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    return {module: sorted(n for n in names if within(n, *forbidden))
            for module, names in CODE.items()
            if within(module, *importers) and any(within(n, *forbidden) for n in names)}


def test_the_reader_sees_every_way_of_importing():
    # guards the rules below: a reader that missed a form would let them pass on nothing
    source = """
import streamlit as st
from ui import tables
from . import sibling
import importlib
importlib.import_module("streamlit.runtime.pages_manager")
__import__("pages.abc")
runpy.run_module("streamlit", run_name="__main__")
"""
    assert imported(source, "kam.sales.abc") >= {"streamlit", "ui", "ui.tables", "kam.sales.sibling",
                                                 "streamlit.runtime.pages_manager", "pages.abc"}
    assert {"kam.sales.abc", "ui.tables", "pages.abc", "app"} <= set(CODE)


def test_nothing_in_kam_imports_streamlit_ui_or_pages():
    assert breaking(("kam",), ("streamlit", "ui", "pages")) == {}


def test_ui_never_imports_a_page_and_nothing_imports_the_frame():
    assert breaking(("ui",), ("pages", "app")) == {}
    assert breaking(("kam", "ui", "pages"), ("app",)) == {}


def test_pages_import_no_other_page():
    assert breaking(("pages",), ("pages",)) == {}


def test_the_store_and_the_read_side_never_import_a_feature():
    assert breaking(("kam.store", "kam.readside"), (*FEATURES, "kam.cli", "kam.demo")) == {}


def test_the_shared_modules_never_import_a_feature():
    assert breaking(SHARED, (*FEATURES, "kam.cli", "kam.demo")) == {}


def test_no_feature_imports_the_command_line():
    assert breaking(FEATURES, ("kam.cli",)) == {}


@pytest.mark.parametrize("top", ["kam", "ui"])
def test_no_module_imports_itself_round_a_circle(top):
    def edges(module, names):
        # `from package import module` imports that module; a package's own parent is no edge back
        return {n for n in names if n in CODE and n != module and not module.startswith(n + ".")
                and not any(other.startswith(n + ".") for other in names)}
    graph = {m: edges(m, names) for m, names in CODE.items() if within(m, top)}
    done, path = set(), []

    def visit(module):
        if module in path:
            raise AssertionError("import cycle: " + " -> ".join(path[path.index(module):] + [module]))
        if module in done:
            return
        path.append(module)
        for name in sorted(graph.get(module, ())):
            visit(name)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)
