"""The layering of docs/architecture.md, enforced: which app may import which, no import cycle
(imports inside functions count too), no private helper imported from another module.

The apps are layered, each importing only itself and the layers below it:

    core → audit → accounts → directory → cases → hotline → operations → assessments → reports

(``config`` composes them all.) A lower app that needs to know something of a higher one
offers a registration hook (``audit.registry``, ``core.crypto.register_key_rotation``,
``hotline.actions.retention.register_retention_step`` …) that the higher app fills in its
``AppConfig.ready``. Test code (``tests/`` and the personas of ``core/testing.py`` and
``core/browser.py``) composes everything and is exempt.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "xinyuan"
LAYERS = [
    "core",
    "audit",
    "accounts",
    "directory",
    "cases",
    "hotline",
    "operations",
    "assessments",
    "reports",
]
TEST_SUPPORT = {"xinyuan.core.testing", "xinyuan.core.browser"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_test_code(name: str) -> bool:
    return ".tests" in name or name in TEST_SUPPORT


def source_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for path in PACKAGE.rglob("*.py")
        if ".venv" not in path.parts and "migrations" not in path.parts
    }


def _without_type_checking_blocks(tree: ast.Module) -> ast.Module:
    """``if TYPE_CHECKING:`` imports are for the type checker only: never run, never a cycle."""
    for node in ast.walk(tree):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                setattr(
                    node,
                    field,
                    [
                        child
                        for child in block
                        if not (
                            isinstance(child, ast.If)
                            and isinstance(child.test, ast.Name)
                            and child.test.id == "TYPE_CHECKING"
                        )
                    ],
                )
    return tree


def imports_of(name: str, path: Path, known: set[str]) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import in the file, at any
    depth (inside functions too; not those only the type checker sees)."""
    tree = _without_type_checking_blocks(ast.parse(path.read_text(), filename=str(path)))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            taken = [alias.name for alias in node.names]
            # ``from pkg import submodule`` imports the submodule.
            submodules = [f"{base}.{t}" for t in taken if f"{base}.{t}" in known]
            plain = [t for t in taken if f"{base}.{t}" not in known]
            found += [(sub, [], node.lineno) for sub in submodules]
            if plain or not submodules:
                found.append((base, plain, node.lineno))
    return found


def app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "xinyuan" and parts[1] in LAYERS else None


class LayeringTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.modules = source_modules()
        known = set(cls.modules)
        cls.edges: dict[str, list[tuple[str, list[str], int]]] = {
            name: imports_of(name, path, known) for name, path in cls.modules.items()
        }

    def test_every_app_is_in_a_layer(self):
        apps = {p.name for p in PACKAGE.iterdir() if (p / "apps.py").exists()}
        self.assertEqual(sorted(apps - set(LAYERS)), [], "apps without a layer in LAYERS")

    def test_no_app_imports_a_higher_one(self):
        wrong = []
        for name, imports in self.edges.items():
            app = app_of(name)
            if app is None or is_test_code(name):
                continue
            for target, _names, line in imports:
                other = app_of(target)
                if other is not None and LAYERS.index(other) > LAYERS.index(app):
                    wrong.append(f"{name}:{line} imports {target} ({app} → {other})")
        self.assertEqual(wrong, [], "imports against the layering (docs/architecture.md)")

    def test_core_and_audit_know_no_domain_app(self):
        for name, imports in self.edges.items():
            if app_of(name) not in ("core", "audit") or is_test_code(name):
                continue
            for target, _names, line in imports:
                with self.subTest(module=name, line=line):
                    self.assertIn(app_of(target), (None, "core", "audit"), target)

    def test_no_import_cycles(self):
        graph = defaultdict(set)
        for name, imports in self.edges.items():
            if is_test_code(name):
                continue
            for target, _names, _line in imports:
                if target in self.modules and target != name:
                    graph[name].add(target)
        cycles = [sorted(c) for c in strongly_connected(graph) if len(c) > 1]
        self.assertEqual(cycles, [], "modules that import each other (directly or around)")

    def test_no_private_helper_is_imported_from_another_module(self):
        wrong = [
            f"{name}:{line} takes {n} from {target}"
            for name, imports in self.edges.items()
            if not is_test_code(name)
            for target, names, line in imports
            if target.startswith(("xinyuan", "config")) and target != name
            for n in names
            if n.startswith("_") and not n.startswith("__")
        ]
        self.assertEqual(wrong, [], "private names belong to their module")

    def test_the_check_sees_a_forbidden_arrow(self):
        """The checker itself: an import placed inside a function is found."""
        source = "def f():\n    from xinyuan.hotline.models import Contact\n"
        path = ROOT / "probe_layering.py"
        try:
            path.write_text(source)
            found = imports_of("xinyuan.audit.probe", path, set())
        finally:
            path.unlink()
        self.assertEqual(found, [("xinyuan.hotline.models", ["Contact"], 2)])


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (the module graph is deep)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    nodes = set(graph) | {t for targets in graph.values() for t in targets}
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(component)
    return result
