"""DESIGN.md's dependency rule: the domain imports no framework, the doors not each other."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = {
    "flask",
    "flask_sqlalchemy",
    "flask_babel",
    "flask_login",
    "flask_wtf",
    "werkzeug",
    "telegram",
    "apscheduler",
    "tweepy",
    "flask_smorest",
    "flask_limiter",
    "wtforms",
}
DOORS = {"web", "bots", "scheduler"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", python_files("campaigns"), ids=lambda path: path.name)
def test_domain_imports_no_framework_and_no_door(path):
    forbidden = imported_modules(path) & (FRAMEWORKS | DOORS)
    assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}"


@pytest.mark.parametrize("door", sorted(DOORS))
def test_doors_do_not_import_each_other(door):
    others = DOORS - {door}
    for path in python_files(door):
        allowed = others if path.name == "cli.py" and door == "web" else set()
        forbidden = (imported_modules(path) & others) - allowed
        assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}"


def test_the_rule_is_checked_on_real_files():
    assert len(python_files("campaigns")) > 5
    assert "sqlalchemy" in imported_modules(ROOT / "campaigns" / "db.py")
