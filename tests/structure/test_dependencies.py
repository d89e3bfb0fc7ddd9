"""The shape the maintainers rely on (DESIGN.md, Shape): apps depend one way, the core names
no app (not in an import, not in a string such as a task's dotted name or a URL name, not in a
template), and no module imports, even inside a function, a module that imports it back.

The checks read a project tree from a root, so each one is also run on a small tree with the
fault in it, to show it can fail."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("volunteers", "events", "donations")
PACKAGES = ("campaign_site", *APPS)
CORE = "campaign_site.core"
# Which app may import which (the core is campaign_site.core; the configuration package
# campaign_site itself, settings, URLs and the roles table, may name every app).
ALLOWED = {
    CORE: set(),
    "volunteers": {CORE},
    "events": {CORE, "volunteers"},
    "donations": {CORE, "volunteers"},
}


# Python imports ------------------------------------------------------------------------------


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules(root: Path) -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(root, path)] = path
    return found


def known(name: str, modules: dict[str, Path]) -> str | None:
    """The project module `name` is, or the innermost project package it is an attribute of."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every project module the module `name` (at `path`) imports, at module level or inside a
    function, absolute or relative. `from package import x` depends on the module package.x
    when there is one, and otherwise on the package's `__init__`, where the name x is read; the
    parent packages Python imports on the way are not counted (they are already loading)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {known(alias.name, modules) for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = ".".join(filter(None, [base, node.module]))
            else:
                base = node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in modules else known(base, modules))
    return found - {None, name}


def import_graph(root: Path) -> dict[str, set[str]]:
    modules = project_modules(root)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


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
    return sorted(groups)


def owner(module: str) -> str | None:
    if module == CORE or module.startswith(f"{CORE}."):
        return CORE
    first = module.split(".")[0]
    return first if first in APPS else None


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, imported in sorted(graph.items()):
        source = owner(module)
        if source is None:
            continue
        for target in sorted(imported):
            target_owner = owner(target)
            if target_owner and target_owner != source and target_owner not in ALLOWED[source]:
                wrong.append(f"{module} imports {target}")
            if source == CORE and target_owner != CORE:
                wrong.append(f"{module} imports {target} (the configuration package)")
    return wrong


# Names of an app's pieces: URL namespaces, admin labels, template folders --------------------


def app_url_namespaces(root: Path) -> set[str]:
    """The `app_name`s of the apps' URL modules (events, phonebank, ...)."""
    found = set()
    for app in APPS:
        for path in (root / app).rglob("urls.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "app_name" for t in node.targets)
                    and isinstance(node.value, ast.Constant)
                ):
                    found.add(node.value.value)
    return found


def app_labels(root: Path) -> set[str]:
    """The apps' labels (an AppConfig's `label`, or the last part of its `name`)."""
    found = set()
    for app in APPS:
        for path in (root / app).rglob("apps.py"):
            values = {
                target.id: node.value.value
                for node in ast.walk(ast.parse(path.read_text()))
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                for target in node.targets
                if isinstance(target, ast.Name) and target.id in ("name", "label")
            }
            if "name" in values:
                found.add(values.get("label", values["name"].rpartition(".")[2]))
    return found


def app_name_patterns(root: Path) -> dict[str, re.Pattern[str]]:
    apps = "|".join(map(re.escape, APPS))
    namespaces = "|".join(map(re.escape, sorted(app_url_namespaces(root)))) or "(?!)"
    labels = "|".join(map(re.escape, sorted(app_labels(root)))) or "(?!)"
    return {
        "a dotted path into an app (a task, module or model)": re.compile(rf"(?:{apps})\.\w"),
        "an app's URL name": re.compile(rf"(?:{namespaces}):\w"),
        "an app's admin URL name": re.compile(rf"admin:(?:{labels})_\w"),
        "an app's template": re.compile(rf"(?:admin/)?(?:{apps}|{labels})/[\w./-]+\.\w+$"),
    }


def names_an_app(text: str, patterns: dict[str, re.Pattern[str]]) -> str | None:
    for what, pattern in patterns.items():
        if pattern.match(text):
            return what
    return None


# The core's strings ----------------------------------------------------------------------------


def core_string_references(root: Path) -> list[str]:
    """Strings in the core's Python (its migrations too) that name an app's task, module,
    model, URL or template: `send_task("events.tasks.x")`, `reverse("events:detail")`,
    `render(request, "events/x.html")`. A whole string must be the name (an f-string's fixed
    start counts), so prose in docstrings and messages is not read as one."""
    patterns = app_name_patterns(root)
    wrong = []
    for path in sorted((root / Path(*CORE.split("."))).rglob("*.py")):
        nodes = list(ast.walk(ast.parse(path.read_text())))
        in_f_strings = {
            id(part) for node in nodes if isinstance(node, ast.JoinedStr) for part in node.values
        }
        for node in nodes:
            if id(node) in in_f_strings:
                continue
            if isinstance(node, ast.JoinedStr):
                first = node.values[0] if node.values else None
                text = first.value if isinstance(first, ast.Constant) else ""
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if " " in node.value.strip():
                    continue
                text = node.value
            else:
                continue
            what = names_an_app(text, patterns)
            if what:
                relative = path.relative_to(root).as_posix()
                wrong.append(f"{relative}:{node.lineno} names {what}: {text!r}")
    return wrong


# The core's templates --------------------------------------------------------------------------

TAG = re.compile(r"{%-?\s*(load|include|extends|url)\s+(.*?)\s*-?%}", re.DOTALL)
VERBS = {"include": "includes", "extends": "extends", "url": "links to"}
QUOTED = re.compile(r"""^(?:"([^"]*)"|'([^']*)')""")


def app_tag_libraries(root: Path) -> set[str]:
    return {
        path.stem
        for app in APPS
        for path in (root / app).rglob("templatetags/*.py")
        if path.stem != "__init__"
    }


def core_templates(root: Path) -> list[Path]:
    """Templates under templates/ that are not an app's (templates/<app>/ and
    templates/admin/<app label>/ are the apps'), and any in the core's own templates/."""
    app_folders = {*APPS, *app_labels(root)}
    found = []
    for folder in (root / "templates", root / Path(*CORE.split(".")) / "templates"):
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            parts = path.relative_to(folder).parts
            if parts[0] in app_folders or (parts[0] == "admin" and parts[1] in app_folders):
                continue
            found.append(path)
    return found


def core_template_references(root: Path) -> list[str]:
    """What the core's templates take from an app: its tag libraries (`{% load %}`), its
    templates (`{% include %}`, `{% extends %}`) and its URLs (`{% url %}`)."""
    libraries = app_tag_libraries(root)
    patterns = app_name_patterns(root)
    wrong = []
    for path in core_templates(root):
        relative = path.relative_to(root).as_posix()
        for tag, argument in TAG.findall(path.read_text()):
            if tag == "load":
                names = argument.split()
                names = names[names.index("from") + 1 :] if "from" in names else names
                wrong += [f"{relative} loads {name}" for name in names if name in libraries]
                continue
            quoted = QUOTED.match(argument)
            if not quoted:
                continue  # a variable (a panel's template, say): the app chose it
            name = quoted.group(1) if quoted.group(1) is not None else quoted.group(2)
            what = names_an_app(name, patterns)
            if what:
                wrong.append(f"{relative} {VERBS[tag]} {what}: {name!r}")
    return wrong


# This project ----------------------------------------------------------------------------------


def test_no_module_imports_a_module_that_imports_it_back():
    graph = import_graph(ROOT)
    assert "events.services" in graph["events.views"]  # the graph sees the imports
    assert strongly_connected(graph) == []


def test_apps_depend_one_way_and_the_core_on_none():
    assert layer_violations(import_graph(ROOT)) == []


def test_the_core_names_no_app_s_task_module_url_or_template_in_a_string():
    assert core_string_references(ROOT) == []


def test_no_core_template_loads_includes_or_links_to_an_app_s_pieces():
    assert app_tag_libraries(ROOT)  # the apps do have tag libraries, so the check looks at some
    assert {"events", "phonebank", "donations", "volunteers"} <= app_url_namespaces(ROOT)
    assert {"events", "phonebank", "donations", "volunteers"} <= app_labels(ROOT)
    assert ROOT / "templates" / "base.html" in core_templates(ROOT)
    assert core_template_references(ROOT) == []


# Each check fails on a tree with the fault in it ---------------------------------------------


def make_tree(root: Path, files: dict[str, str]) -> Path:
    """A project skeleton (the core and the three apps, each with URLs and an AppConfig) with
    `files` written over it."""
    skeleton = {"campaign_site/__init__.py": "", "campaign_site/core/__init__.py": ""}
    for app in APPS:
        skeleton[f"{app}/__init__.py"] = ""
        skeleton[f"{app}/apps.py"] = f"class Config:\n    name = {app!r}\n"
        skeleton[f"{app}/urls.py"] = f"app_name = {app!r}\nurlpatterns = []\n"
        skeleton[f"{app}/tasks.py"] = "def send_task():\n    pass\n"
        skeleton[f"{app}/templatetags/__init__.py"] = ""
        skeleton[f"{app}/templatetags/{app}_tags.py"] = ""
    skeleton["templates/base.html"] = "<html></html>"
    for relative, text in {**skeleton, **files}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_clean_tree_passes_every_check(tmp_path):
    root = make_tree(tmp_path, {"events/views.py": "from volunteers import tasks\n"})
    graph = import_graph(root)
    assert graph["events.views"] == {"volunteers.tasks"}
    assert strongly_connected(graph) == []
    assert layer_violations(graph) == []
    assert core_string_references(root) == []
    assert core_template_references(root) == []


def test_a_cycle_through_a_package_s_init_is_found(tmp_path):
    # The package re-exports a function from its module, and the module reads a name back
    # from the package: importing either first breaks.
    root = make_tree(
        tmp_path,
        {
            "events/services/__init__.py": "from events.services.rsvps import rsvp_create\n"
            "LIMIT = 3\n",
            "events/services/rsvps.py": "def rsvp_create():\n"
            "    from events.services import LIMIT\n"
            "    return LIMIT\n",
        },
    )
    assert strongly_connected(import_graph(root)) == [["events.services", "events.services.rsvps"]]


def test_a_package_re_exporting_modules_that_import_their_siblings_is_no_cycle(tmp_path):
    root = make_tree(
        tmp_path,
        {
            "events/services/__init__.py": "from events.services.rsvps import rsvp_create\n",
            "events/services/rsvps.py": "from events.services import sessions\n",
            "events/services/sessions.py": "",
        },
    )
    assert strongly_connected(import_graph(root)) == []


def test_a_cycle_of_relative_imports_is_found(tmp_path):
    root = make_tree(
        tmp_path,
        {
            "events/phonebank/__init__.py": "",
            "events/phonebank/calls.py": "from . import scripts\n",
            "events/phonebank/scripts.py": "def f():\n    from .calls import g\n",
        },
    )
    assert strongly_connected(import_graph(root)) == [
        ["events.phonebank.calls", "events.phonebank.scripts"]
    ]


def test_a_relative_import_out_of_the_core_is_found(tmp_path):
    root = make_tree(
        tmp_path,
        {
            "campaign_site/roles.py": "import events.tasks\n",
            "campaign_site/core/views.py": "from ..roles import ROLES\nfrom . import models\n",
            "campaign_site/core/models.py": "",
        },
    )
    graph = import_graph(root)
    assert graph["campaign_site.core.views"] == {"campaign_site.roles", "campaign_site.core.models"}
    assert layer_violations(graph) == [
        "campaign_site.core.views imports campaign_site.roles (the configuration package)"
    ]


def test_an_app_importing_against_the_layers_is_found(tmp_path):
    root = make_tree(
        tmp_path,
        {
            "volunteers/views.py": "from events.tasks import send_task\n",
            "events/views.py": "import donations.tasks\n",
        },
    )
    assert layer_violations(import_graph(root)) == [
        "events.views imports donations.tasks",
        "volunteers.views imports events.tasks",
    ]


def test_the_core_naming_an_app_s_task_by_string_is_found(tmp_path):
    root = make_tree(
        tmp_path,
        {
            "campaign_site/core/workers.py": '''"""Hands events.tasks work to the workers."""

from celery import current_app


def hand_off(name):
    current_app.send_task("events.tasks.reminders_send_task")
    current_app.send_task(f"donations.tasks.{name}")
    return {"task": "volunteers.tasks.update_send_task", "note": "events are sent later"}
''',
        },
    )
    assert core_string_references(root) == [
        "campaign_site/core/workers.py:7 names a dotted path into an app (a task, module or "
        "model): 'events.tasks.reminders_send_task'",
        "campaign_site/core/workers.py:8 names a dotted path into an app (a task, module or "
        "model): 'donations.tasks.'",
        "campaign_site/core/workers.py:9 names a dotted path into an app (a task, module or "
        "model): 'volunteers.tasks.update_send_task'",
    ]


def test_the_core_naming_an_app_s_url_or_template_in_python_is_found(tmp_path):
    root = make_tree(
        tmp_path,
        {
            "campaign_site/core/views.py": "def home(request):\n"
            '    redirect("events:calendar")\n'
            '    reverse("admin:donations_donation_changelist")\n'
            '    return render(request, "volunteers/signed_up.html")\n',
        },
    )
    assert [line.split(" names ")[1] for line in core_string_references(root)] == [
        "an app's URL name: 'events:calendar'",
        "an app's admin URL name: 'admin:donations_donation_changelist'",
        "an app's template: 'volunteers/signed_up.html'",
    ]


def test_a_core_template_including_extending_or_linking_to_an_app_is_found(tmp_path):
    root = make_tree(
        tmp_path,
        {
            "templates/campaign_site/home.html": """{% extends "base.html" %}
{% load static events_tags %}
{% load rsvp_count from donations_tags %}
{% include "events/includes/_event_card.html" with event=event %}
{% include panel.template %}
{% url 'home' %} {% url "volunteers:signup" as signup %}
{% url
   'admin:events_event_changelist' %}
""",
            "templates/admin/index.html": "{% extends 'admin/donations/dashboard.html' %}",
            "campaign_site/core/templates/campaign_site/panel.html": "{% url 'donations:donate' %}",
            # An app's own templates may use its pieces.
            "templates/events/calendar.html": "{% load events_tags %}{% url 'events:x' %}",
            "templates/admin/events/action_form.html": "{% include 'events/admin/x.html' %}",
        },
    )
    assert core_template_references(root) == [
        "templates/admin/index.html extends an app's template: 'admin/donations/dashboard.html'",
        "templates/campaign_site/home.html loads events_tags",
        "templates/campaign_site/home.html loads donations_tags",
        "templates/campaign_site/home.html includes an app's template: "
        "'events/includes/_event_card.html'",
        "templates/campaign_site/home.html links to an app's URL name: 'volunteers:signup'",
        "templates/campaign_site/home.html links to an app's admin URL name: "
        "'admin:events_event_changelist'",
        "campaign_site/core/templates/campaign_site/panel.html links to an app's URL name: "
        "'donations:donate'",
    ]
