"""Guards over the test suite itself: what they guard is enumerated from the code."""

import ast
from pathlib import Path

BUDGETS = {"django_assert_num_queries", "django_assert_max_num_queries"}
TESTS = Path(__file__).parent


def _budget_makes_a_request(node: ast.FunctionDef) -> bool:
    """Whether a query budget in `node` wraps a request (a call on the test client)."""
    for with_node in (n for n in ast.walk(node) if isinstance(n, ast.With)):
        budgets = [
            item
            for item in with_node.items
            if isinstance(item.context_expr, ast.Call)
            and getattr(item.context_expr.func, "id", "") in BUDGETS
        ]
        if budgets and "client" in ast.unparse(with_node):
            return True
    return False


def budget_tests() -> list[tuple[str, str, str]]:
    """(file, test, source) of every test whose query budget wraps a request."""
    found = []
    for path in sorted(TESTS.glob("test_*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            is_test = isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
            if is_test and _budget_makes_a_request(node):
                found.append((path.name, node.name, ast.get_source_segment(source, node)))
    return found


# How a test looks at what the user sees: the body, the JSON, the parsed rows or CSV.
# A redirect's visible content is where it sends the user.
CONTENT = (".content.decode()", ".json()", "streaming_content", "rows(response)", '["Location"]')


def test_every_query_budget_test_also_asserts_the_response():
    """A budget met by a 404 proves nothing: each test with a query budget on a request
    also checks the status and a piece of what the user sees."""
    tests = budget_tests()
    assert len(tests) > 20
    weak = [
        f"{filename}::{name}"
        for filename, name, source in tests
        if "status_code" not in source or not any(needle in source for needle in CONTENT)
    ]
    assert weak == [], "assert the status and a piece of visible content"
