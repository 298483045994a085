"""docs/guarantees.md stays true: every test it names exists, and so does every fault row."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parents[3]
INDEX = (ROOT / "docs" / "guarantees.md").read_text()
TEST_NAME = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def defined_tests(path: Path) -> set[str]:
    """The module-level names of a test file: its test functions and assigned test cases."""
    tree = ast.parse(path.read_text())
    names = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return names


def fault_rows() -> set[str]:
    """The rows `python -m chaos` runs (the keys of its scenario table)."""
    return set(
        re.findall(r'^\s+"([\w-]+)": \w+\.\w+,$', (ROOT / "chaos/__main__.py").read_text(), re.M)
    )


def test_each_of_the_eight_guarantees_names_tests() -> None:
    sections = re.split(r"^## \d\. ", INDEX, flags=re.M)[1:]
    assert len(sections) == 8
    assert all(TEST_NAME.search(section) for section in sections)


def test_every_test_the_index_names_exists() -> None:
    named = TEST_NAME.findall(INDEX)
    assert named
    missing = [
        f"{path}::{name}"
        for path, name in named
        if not (ROOT / path).is_file() or name not in defined_tests(ROOT / path)
    ]
    assert missing == []


def test_every_fault_row_the_index_names_is_a_row_of_the_fault_suite() -> None:
    items = re.split(r"^- ", INDEX, flags=re.M)
    rows = [item.split("\n\n")[0] for item in items if item.startswith("fault rows")]
    named = {row for item in rows for row in re.findall(r"`([\w-]+)`", item)}
    assert named and named <= fault_rows()
