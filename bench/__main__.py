"""Run every benchmark module's main() in turn."""

from __future__ import annotations

import importlib
import pkgutil

import bench


def main() -> None:
    """Import each bench module and call its main()."""
    for module_info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{module_info.name}")
        if callable(getattr(module, "main", None)):
            print(f"== bench.{module_info.name}")
            module.main()


if __name__ == "__main__":
    main()
