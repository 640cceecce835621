"""The package's public names are exactly those in __all__, and it never imports Django."""

import ast
import pathlib
from types import ModuleType

import analytics

PACKAGE = pathlib.Path(analytics.__file__).parent


def test_every_public_name_is_listed_in_all_and_every_listed_name_exists():
    public = {name for name, value in vars(analytics).items() if not name.startswith("_") and not isinstance(value, ModuleType)}

    assert public == set(analytics.__all__)
    assert all(hasattr(analytics, name) for name in analytics.__all__)


def test_no_module_of_the_package_imports_django_or_the_project():
    imported = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])

    assert imported.isdisjoint({"django", "itda"})
