"""The house's layout, checked: which way the imports between our modules may run.

Every module of `autograd_scalar`, `nn` and `viz` is parsed with `ast` (nothing is imported
or run), and every import in it is read, wherever it stands (top of the file or inside a
function). The rules, from the design notes (see "How the code is laid out" in the README):

* the module import graph has no cycle: knowledge flows one way;
* `autograd_scalar` imports neither `nn` nor `viz`, and `viz` does not import `nn`;
* the textbook (every module of `autograd_scalar` outside `compiler/`) imports nothing from
  the compiler, except the package's `__init__`, which re-exports the compiler's public face
  (`from .compiler import compile, ...`), never one of its inner modules;
* no module uses another module's private (underscore) names, by import
  (`from .x import _y`) or through a module it imported (`x._y`). Modules in the same folder
  are one unit written together and may share helpers this way (the n-ary functions build
  nodes with the engine's `_apply2`); across folders, a private name must first be made
  public by the module that owns it.

Each rule is also run on a small planted tree (in tmp_path) that breaks it, so a scanner that
stopped seeing imports would fail here instead of passing in silence.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd_scalar", "nn", "viz")
COMPILER = "autograd_scalar.compiler"


class Import(NamedTuple):
    """One name one module takes from another: ``from <source> import <name>``."""

    importer: str  # the module that imports, e.g. "nn.data.cifar10"
    source: str  # absolute module imported from, e.g. "nn.data.archive" or "numpy"
    name: str | None  # the name taken from it (None for ``import source``)
    line: int
    type_only: bool  # under ``if TYPE_CHECKING:``: never runs
    bound: str  # the local name the import binds ("c" for ``import a.b as c``)

    def where(self) -> str:
        taken = f" ({self.name})" if self.name else ""
        return f"{self.importer}:{self.line} imports {self.source}{taken}"


# --------------------------------------------------------------------------------------------
# Reading the tree
# --------------------------------------------------------------------------------------------


def find_modules(root: Path) -> dict[str, Path]:
    """Module name -> file, for every .py file of the three packages under `root`."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def absolute(importer: str, is_package: bool, level: int, module: str | None) -> str:
    """The absolute name of ``from <level dots><module> import ...`` written in `importer`."""
    if level == 0:
        return module or ""
    package = importer if is_package else importer.rpartition(".")[0]
    base = package.rsplit(".", level - 1)[0] if level > 1 else package
    return f"{base}.{module}" if module else base


def type_only_lines(tree: ast.Module) -> set[int]:
    """Line numbers of the imports inside ``if TYPE_CHECKING:`` blocks."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lines.update(inner.lineno for body in node.body for inner in ast.walk(body)
                         if isinstance(inner, (ast.Import, ast.ImportFrom)))
    return lines


def imports_in(module: str, path: Path) -> list[Import]:
    """Every import statement of one module, with relative imports made absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    type_only = type_only_lines(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, None, node.lineno, node.lineno in type_only,
                             alias.asname or alias.name.partition(".")[0])
                      for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = absolute(module, path.name == "__init__.py", node.level, node.module)
            found += [Import(module, source, alias.name, node.lineno, node.lineno in type_only,
                             alias.asname or alias.name)
                      for alias in node.names]
    return found


def scan(root: Path) -> tuple[dict[str, Path], list[Import]]:
    """The modules of the three packages under `root`, and all their imports."""
    modules = find_modules(root)
    return modules, [imp for name, path in modules.items() for imp in imports_in(name, path)]


def target(imp: Import, modules: dict[str, Path]) -> str | None:
    """Which of our modules an import loads: ``from . import ops`` loads the module
    `autograd_scalar.ops`, ``from .engine import Value`` loads `autograd_scalar.engine`;
    None for a module outside the three packages (numpy, the standard library)."""
    if imp.name and f"{imp.source}.{imp.name}" in modules:
        return f"{imp.source}.{imp.name}"
    return imp.source if imp.source in modules else None


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


# --------------------------------------------------------------------------------------------
# The rules: each returns what breaks it, as readable lines
# --------------------------------------------------------------------------------------------


def find_cycle(modules: dict[str, Path], imports: list[Import]) -> list[str]:
    """One import cycle, as the imports that close it ([] when the graph is acyclic).

    Depth-first search without recursion: a module met again while it is still on the
    current trail closes a cycle. Imports under TYPE_CHECKING never run: they make none.
    """
    edges: dict[str, list[Import]] = {name: [] for name in modules}
    for imp in imports:
        if not imp.type_only and target(imp, modules) is not None:
            edges[imp.importer].append(imp)
    done: set[str] = set()  # modules all of whose imports were followed, finding no cycle
    for start in modules:
        trail = [start]  # the modules from `start` to the one being explored
        taken: list[Import] = []  # taken[i] leads from trail[i] to trail[i + 1]
        pending = [iter(edges[start])]  # for each module of the trail, its imports left
        while pending:
            imp = next(pending[-1], None)
            if imp is None:  # every import of trail[-1] followed: step back
                done.add(trail.pop())
                pending.pop()
                del taken[len(trail) - 1:]
                continue
            following = target(imp, modules)
            if following in trail:
                return [p.where() for p in taken[trail.index(following):]] + [imp.where()]
            if following not in done:
                trail.append(following)
                taken.append(imp)
                pending.append(iter(edges[following]))
    return []


def imports_into(imports: list[Import], importers: str, forbidden: tuple[str, ...]) -> list[str]:
    """Imports made by modules of package `importers` from any `forbidden` package."""
    return [imp.where() for imp in imports if within(imp.importer, importers)
            and any(within(imp.source, package) for package in forbidden)]


def textbook_imports_of_compiler(modules: dict[str, Path], imports: list[Import]) -> list[str]:
    """Imports of the compiler by the textbook, except `__init__` re-exporting its face."""
    found = []
    for imp in imports:
        loaded = target(imp, modules) or imp.source
        if (within(imp.importer, "autograd_scalar") and not within(imp.importer, COMPILER)
                and within(loaded, COMPILER)
                and not (imp.importer == "autograd_scalar" and loaded == COMPILER)):
            found.append(imp.where())
    return found


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("__")  # __version__ is public


def module_aliases(imports: list[Import], modules: dict[str, Path]) -> dict[str, str]:
    """Local name -> our module, as bound by ``from . import ops`` or ``import a.b as c``."""
    aliases = {}
    for imp in imports:
        if imp.name is None:  # `import a.b` binds a; `import a.b as c` binds a.b
            module = imp.bound if imp.bound == imp.source.partition(".")[0] else imp.source
        else:  # `from a import b` binds a module only if a.b is one
            module = f"{imp.source}.{imp.name}"
        if module in modules:
            aliases[imp.bound] = module
    return aliases


def private_uses(modules: dict[str, Path], imports: list[Import]) -> list[str]:
    """Private names one module takes from a module in another folder."""
    found = [imp.where() for imp in imports
             if imp.name and is_private(imp.name) and target(imp, modules) is not None
             and modules[target(imp, modules)].parent != modules[imp.importer].parent]
    for module, path in modules.items():
        aliases = module_aliases([imp for imp in imports if imp.importer == module], modules)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and is_private(node.attr)
                    and modules[aliases[node.value.id]].parent != path.parent):
                found.append(f"{module}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    return found


# --------------------------------------------------------------------------------------------
# The rules on the real tree
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tree() -> tuple[dict[str, Path], list[Import]]:
    return scan(ROOT)


def test_the_scan_sees_the_three_packages(tree):
    modules, imports = tree
    for module in ("autograd_scalar.engine", "autograd_scalar.compiler.trace",
                   "nn.data.cifar10", "nn.optim.sgd", "viz.graph"):
        assert module in modules
    # A known relative import two levels up: nn/data/cifar10.py reads `from ..checks import`.
    assert ("nn.data.cifar10", "nn.validation", "positive_int") in {
        imp[:3] for imp in imports}


def assert_none(found: list[str], rule: str) -> None:
    """Fail with every line that breaks `rule`, one a line."""
    assert found == [], f"{rule}:\n  " + "\n  ".join(found)


def test_module_imports_have_no_cycle(tree):
    assert_none(find_cycle(*tree), "import cycle (each line imports the next module)")


def test_the_engine_imports_neither_nn_nor_viz(tree):
    assert_none(imports_into(tree[1], "autograd_scalar", ("nn", "viz")),
                "the engine must not know nn or viz")


def test_viz_does_not_import_nn(tree):
    assert_none(imports_into(tree[1], "viz", ("nn",)),
                "viz reads nn's objects duck-typed, it must not import nn")


def test_the_textbook_imports_only_the_compilers_public_face(tree):
    assert_none(textbook_imports_of_compiler(*tree),
                "only autograd_scalar/__init__ may import the compiler (its package)")


def test_no_module_takes_private_names_from_another_folder(tree):
    assert_none(private_uses(*tree), "private names used from another folder (make the "
                "name public in the module that owns it)")


# --------------------------------------------------------------------------------------------
# The rules on a planted tree that breaks each of them
# --------------------------------------------------------------------------------------------


def plant(root: Path, files: dict[str, str]) -> tuple[dict[str, Path], list[Import]]:
    """Write a small tree of the three packages (every folder gets an __init__) and scan it."""
    for name, source in {"autograd_scalar/__init__.py": "", "nn/__init__.py": "",
                         "viz/__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "__init__.py").touch()
        path.write_text(source)
    return scan(root)


def test_a_planted_cycle_is_reported_with_its_imports(tmp_path):
    tree = plant(tmp_path, {
        "nn/a.py": "from .b import f\n",
        "nn/b.py": "def f():\n    from .data import c\n",  # inside a function still counts
        "nn/data/c.py": "from .. import a\n",
        "nn/data/d.py": "from ..b import f\n",  # leads into the cycle, is not part of it
    })
    assert find_cycle(*tree) == [
        "nn.a:1 imports nn.b (f)",
        "nn.b:2 imports nn.data (c)",
        "nn.data.c:1 imports nn (a)",
    ]


def test_a_type_only_import_makes_no_cycle(tmp_path):
    tree = plant(tmp_path, {
        "viz/a.py": "from .b import f\n",
        "viz/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import g\n",
    })
    assert find_cycle(*tree) == []


def test_planted_imports_against_the_flow_are_reported(tmp_path):
    tree = plant(tmp_path, {
        "autograd_scalar/engine.py": "import nn.mlp\nfrom viz import draw_dot\n",
        "viz/graph.py": "from nn import MLP\nfrom autograd_scalar import Value\n",
    })
    assert imports_into(tree[1], "autograd_scalar", ("nn", "viz")) == [
        "autograd_scalar.engine:1 imports nn.mlp", "autograd_scalar.engine:2 imports viz "
        "(draw_dot)"]
    assert imports_into(tree[1], "viz", ("nn",)) == ["viz.graph:1 imports nn (MLP)"]


def test_a_planted_textbook_import_of_the_compiler_is_reported(tmp_path):
    tree = plant(tmp_path, {
        "autograd_scalar/__init__.py": "from .compiler import compile\n",  # allowed
        "autograd_scalar/compiler/trace.py": "from ..engine import Value\n",  # allowed
        "autograd_scalar/engine.py": "def f():\n    from .compiler.trace import trace\n",
        "autograd_scalar/ops.py": "from . import compiler\n",
    })
    assert textbook_imports_of_compiler(*tree) == [
        "autograd_scalar.engine:2 imports autograd_scalar.compiler.trace (trace)",
        "autograd_scalar.ops:1 imports autograd_scalar (compiler)",
    ]


def test_planted_private_uses_across_folders_are_reported(tmp_path):
    tree = plant(tmp_path, {
        "autograd_scalar/engine.py": "def _apply2(): pass\n",
        "autograd_scalar/functions.py": "from .engine import _apply2\n",  # same folder: fine
        "autograd_scalar/compiler/lower.py": "from ..engine import _apply2, __doc__\n",
        "nn/mlp.py": "import autograd_scalar.engine as engine\nengine._apply2()\n",
    })
    assert private_uses(*tree) == [
        "autograd_scalar.compiler.lower:1 imports autograd_scalar.engine (_apply2)",
        "nn.mlp:2 uses autograd_scalar.engine._apply2",
    ]
