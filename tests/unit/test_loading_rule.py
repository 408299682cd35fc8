"""The doors load the object a request is about through ``web.loading.load_for`` (issue #9), so
that seeing an object and the permission to act on it are checked the same way by every route.

A web module that calls a domain getter itself (``queries.get_post(...)``, ``get_import_job(...)``)
or ``session.get(...)`` is one check away from letting create and update drift apart again.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The one place that calls the getters: each loader there decides what a person may see.
LOADING = ROOT / "web" / "loading.py"

# (module, function) → why it loads without load_for.
ALLOWED = {
    ("web/press/coverage_views.py", "staff_feed"): (
        "a signed link read by calendar apps without a session: the token names the person "
        "(feeds.staff_for_token), there is no signed-in person for load_for to ask about"
    ),
    ("web/scores/routes.py", "_unit_score"): (
        "the page is a unit's score, not the unit: named by id, and every refusal must read "
        "'no such score' (score.view), which the Unit loader (by code) does not say"
    ),
}


def direct_loads(path: Path) -> list[tuple[str, str, int]]:
    """(function, call, line) of each call that loads a domain object directly: a ``get_*``
    function of a ``campaigns`` module, or ``<something>.session.get``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    modules: set[str] = set()
    getters: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "campaigns":
            for alias in node.names:
                name = alias.asname or alias.name
                (getters if alias.name.startswith("get_") else modules).add(name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "campaigns":
                    modules.add((alias.asname or alias.name).split(".")[0])

    def loader_called(call: ast.expr) -> str | None:
        if isinstance(call, ast.Name):
            return call.id if call.id in getters else None
        if not isinstance(call, ast.Attribute):
            return None
        owner = call.value
        if isinstance(owner, ast.Name) and owner.id in modules and call.attr.startswith("get_"):
            return f"{owner.id}.{call.attr}"
        if isinstance(owner, ast.Attribute) and owner.attr == "session" and call.attr == "get":
            return "session.get"
        return None

    found: list[tuple[str, str, int]] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Call) and (name := loader_called(node.func)) is not None:
            found.append((function, name, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def web_modules() -> list[Path]:
    return sorted(path for path in (ROOT / "web").rglob("*.py") if path != LOADING)


@pytest.mark.parametrize(
    "path", web_modules(), ids=lambda path: str(path.relative_to(ROOT / "web"))
)
def test_web_modules_load_objects_through_load_for(path):
    module = str(path.relative_to(ROOT))
    loads = [
        f"{module}:{line} {function}() calls {call}"
        for function, call, line in direct_loads(path)
        if (module, function) not in ALLOWED
    ]
    assert not loads, "load with web.loading.load_for instead:\n" + "\n".join(loads)


def test_each_allowance_is_still_needed():
    for module, function in ALLOWED:
        functions = {found for found, _, _ in direct_loads(ROOT / module)}
        assert function in functions, f"{module} {function}() no longer needs its allowance"


def test_the_rule_sees_direct_loads(tmp_path):
    route = tmp_path / "routes.py"
    route.write_text(
        "from campaigns.social import queries\n"
        "from campaigns.org.import_jobs import get_import_job\n"
        "def page(post_id):\n"
        "    queries.get_post(db.session, post_id, actor=None)\n"
        "    get_import_job(db.session, 1, actor=None)\n"
        "    db.session.get(Post, post_id)\n"
        "    request.args.get('x')\n"
    )
    assert direct_loads(route) == [
        ("page", "queries.get_post", 4),
        ("page", "get_import_job", 5),
        ("page", "session.get", 6),
    ]
    assert len(web_modules()) > 20
