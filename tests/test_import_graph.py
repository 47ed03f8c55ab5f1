"""Dependencies point one way: every nfzoo module, parsed with `ast` (imports inside functions included), imports
only modules of its own layer or a lower one, and the module graph has no cycle.

Layers, bottom to top: bijectors, data and leaf helpers; models (FlowModel, the families, their SavedModel
signatures, variational inference, configs); training and serving (serving takes a FlowModel and knows nothing of
the zoo); the zoo; the command line and the top-level package.
"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nfzoo"
LAYERS = {
    "nfzoo.bijectors": 0, "nfzoo.data": 0, "nfzoo.deprecation": 0, "nfzoo.lazy": 0, "nfzoo.machine": 0,
    "nfzoo.normal": 0,
    "nfzoo.variational.energies": 0,
    "nfzoo.models": 1, "nfzoo.variational": 1, "nfzoo.vi": 1, "nfzoo.config": 1, "nfzoo.config_schema": 1,
    "nfzoo.testing": 1,
    "nfzoo.training": 2, "nfzoo.serving": 2,
    "nfzoo.zoo": 3,
    "nfzoo.cli": 4, "nfzoo": 4,
}


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer(module):
    """The layer of the longest prefix of ``module`` named in `LAYERS`."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in LAYERS:
            return LAYERS[".".join(parts[:end])]
    raise AssertionError(f"{module} is in no layer: add its package to LAYERS")


def imported(module, path):
    """The nfzoo modules ``module`` imports anywhere in its file; ``from package import name`` counts
    ``package.name`` when that is a module, else ``package``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1 packages
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names)
    return {name for name in found if name.split(".")[0] == "nfzoo" and name != module}


GRAPH = {module: imported(module, path) for module, path in MODULES.items()}


def find_cycle(graph):
    """One import cycle as a list of modules, or None (depth-first search)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_every_module_is_in_a_layer_and_imports_only_its_own_layer_or_lower_ones():
    upward = [f"{module} (layer {layer(module)}) imports {target} (layer {layer(target)})"
              for module, targets in GRAPH.items() for target in sorted(targets) if layer(target) > layer(module)]
    assert not upward, "\n".join(upward)


def test_the_import_graph_has_no_cycle():
    assert find_cycle(GRAPH) is None, " -> ".join(find_cycle(GRAPH))


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
])
def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle(graph, expected):
    assert find_cycle(graph) == expected


def test_the_parser_sees_imports_inside_functions_and_relative_imports(tmp_path):
    source = tmp_path / "example.py"
    source.write_text("def f():\n    from nfzoo.zoo import list_models\n\nfrom . import registry\n")
    assert imported("nfzoo.zoo.example", source) == {"nfzoo.zoo", "nfzoo.zoo.registry"}
    assert layer("nfzoo.zoo.loading") == 3 and layer("nfzoo.models.glow") == 1


def test_the_keras_file_loader_imports_every_module_that_registers_a_model_class():
    from nfzoo.models.keras_file import REGISTERING_MODULES

    loaded = {module.__name__ for module in REGISTERING_MODULES}
    loaded |= {target for name in loaded for target in GRAPH[name]}  # a package's __init__ imports its modules
    registering = {module for module, path in MODULES.items()
                   if "register_keras_serializable" in path.read_text() and not module.startswith("nfzoo.training")}
    assert registering <= loaded, sorted(registering - loaded)
