"""The import graph of `billpay/`, collapsed to apps.

Every `import` and `from … import` counts, at any depth (function-level imports included: they dodge
an import-time cycle, not a dependency), except those under `if TYPE_CHECKING:` and in migrations.
`billpay/<app>/…` collapses to `<app>` (`codat` is a node like the apps); the project modules
(`billpay/__init__.py`, settings, urls, celery, wsgi, asgi) collapse to `project`.

    python -m tests.core.import_graph        # `app -> app1, app2` lines, then any cycles
    python -m tests.core.import_graph --why  # and, for each edge in a cycle, where it is imported
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "billpay"
PROJECT = "project"
PROJECT_MODULES = frozenset({"settings", "urls", "celery", "wsgi", "asgi"})


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. "billpay.bills.views"
    target: str  # the imported module (or the package a name comes from)
    path: str  # of the importing file, relative to the root
    line: int

    def where(self) -> str:
        return f"{self.path}:{self.line} imports {self.target}"


def iter_modules(root: Path = ROOT) -> Iterator[tuple[str, Path]]:
    """(dotted module name, path) for every module of the package, migrations excluded."""
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, path: str, known: set[str]) -> None:
        self.module, self.path, self.known = module, path, known
        self.package = module if is_package else module.rpartition(".")[0]
        self.found: list[Import] = []

    def _add(self, target: str, node: ast.AST) -> None:
        self.found.append(Import(self.module, target, self.path, node.lineno))

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:  # the `else:` of a TYPE_CHECKING block runs
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            base_name = ".".join(base + ([node.module] if node.module else []))
        else:
            base_name = node.module or ""
        for alias in node.names:
            submodule = f"{base_name}.{alias.name}"
            self._add(submodule if submodule in self.known else base_name, node)


def collect_imports(root: Path = ROOT) -> list[Import]:
    """Every import statement of the package (see the module docstring for what counts)."""
    modules = list(iter_modules(root))
    known = {name for name, _ in modules}
    found: list[Import] = []
    for name, path in modules:
        tree = ast.parse(path.read_text(), filename=str(path))
        relative = path.relative_to(root).as_posix()
        collector = _Collector(name, path.name == "__init__.py", relative, known)
        collector.visit(tree)
        found.extend(collector.found)
    return found


def app_of(module: str) -> str | None:
    """The node a module collapses to; None outside the package."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    if len(parts) == 1 or parts[1] in PROJECT_MODULES:
        return PROJECT
    return parts[1]


Graph = dict[str, dict[str, list[Import]]]


def app_graph(imports: list[Import]) -> Graph:
    """app -> {imported app -> the import statements behind that edge}; self-edges dropped."""
    graph: Graph = defaultdict(lambda: defaultdict(list))
    for imp in imports:
        source, target = app_of(imp.source), app_of(imp.target)
        graph[source]  # every app is a node, even one that imports no other
        edge = graph[source][target] if target is not None and target != source else None
        if edge is not None and (not edge or edge[-1].where() != imp.where()):
            edge.append(imp)  # one entry per statement, not per imported name
    return {app: dict(edges) for app, edges in graph.items()}


def find_cycles(graph: Graph) -> list[list[str]]:
    """Every elementary cycle, each as a path that starts and ends at its smallest node.

    A plain DFS per start node over larger nodes only: the app graph has about ten nodes.
    """
    cycles: list[list[str]] = []
    nodes = sorted(set(graph) | {t for edges in graph.values() for t in edges})

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, {})):
            if nxt == start:
                cycles.append([*path, start])
            elif nxt > start and nxt not in path:
                walk(start, nxt, [*path, nxt])

    for start in nodes:
        walk(start, start, [start])
    return sorted(cycles, key=lambda c: (len(c), c))


def describe_cycles(graph: Graph, cycles: list[list[str]]) -> str:
    """Each cycle as `a -> b -> a`, then each edge on a cycle once, with its import statements."""
    lines = [" -> ".join(cycle) for cycle in cycles]
    edges = sorted({edge for cycle in cycles for edge in zip(cycle, cycle[1:], strict=False)})
    for source, target in edges:
        lines.append(f"  {source} -> {target}:")
        lines.extend(f"    {imp.where()}" for imp in graph[source][target])
    return "\n".join(lines)


def render(graph: Graph, *, why: bool = False) -> str:
    lines = [f"{app} -> {', '.join(sorted(graph[app]))}".rstrip() for app in sorted(graph)]
    cycles = find_cycles(graph)
    lines.append("")
    if not cycles:
        lines.append("no cycles")
    else:
        lines.append(f"{len(cycles)} cycle(s):")
        if why:
            lines.append(describe_cycles(graph, cycles))
        else:
            lines.extend(" -> ".join(cycle) for cycle in cycles)
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    graph = app_graph(collect_imports())
    print(render(graph, why="--why" in argv))
    return 1 if find_cycles(graph) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
