"""The shape the maintainers rely on (DESIGN.md, Shape): apps depend one way, the core names
no app, and no module imports, even inside a function, a module that imports it back."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("campaign_site", "volunteers", "events", "donations")
APPS = ("volunteers", "events", "donations")
# Which app may import which (the core is campaign_site.core; the configuration package
# campaign_site itself, settings, URLs and the roles table, may name every app).
ALLOWED = {
    "campaign_site.core": set(),
    "volunteers": {"campaign_site.core"},
    "events": {"campaign_site.core", "volunteers"},
    "donations": {"campaign_site.core", "volunteers"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every project module `path` imports, at module level or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def owner(module: str) -> str | None:
    if module.startswith("campaign_site.core"):
        return "campaign_site.core"
    first = module.split(".")[0]
    return first if first in APPS else None


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(path, modules) - {name} for name, path in modules.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that import each other, round a cycle."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return groups


def test_no_module_imports_a_module_that_imports_it_back():
    graph = import_graph()
    # A package's __init__ re-exporting its modules is not a cycle in the code's design.
    for name in list(graph):
        if (ROOT / Path(*name.split(".")) / "__init__.py").exists():
            graph[name] = set()
    assert strongly_connected(graph) == []


def test_apps_depend_one_way_and_the_core_on_none():
    wrong = []
    for module, imported in import_graph().items():
        source = owner(module)
        if source is None:
            continue
        for target in imported:
            target_owner = owner(target)
            if target_owner and target_owner != source and target_owner not in ALLOWED[source]:
                wrong.append(f"{module} imports {target}")
            if source == "campaign_site.core" and not target.startswith("campaign_site.core"):
                wrong.append(f"{module} imports {target} (the configuration package)")
    assert wrong == []


def app_tag_libraries() -> set[str]:
    return {
        path.stem
        for app in APPS
        for path in (ROOT / app / "templatetags").glob("*.py")
        if path.stem != "__init__"
    }


def test_no_core_template_loads_an_app_s_tags():
    app_templates = tuple(f"{app}/" for app in APPS)
    libraries = app_tag_libraries()
    wrong = []
    for path in (ROOT / "templates").rglob("*.html"):
        relative = path.relative_to(ROOT / "templates").as_posix()
        if relative.startswith(app_templates) or re.match(
            r"admin/(volunteers|events|donations)/", relative
        ):
            continue
        for loaded in re.findall(r"{%\s*load\s+([^%]+?)\s*%}", path.read_text()):
            wrong += [f"{relative} loads {name}" for name in loaded.split() if name in libraries]
    assert libraries  # the apps do have tag libraries, so the check looks at something
    assert wrong == []
