"""The documents ship with the code: every link resolves inside the repository, every code name they cite exists."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
# Packages whose dotted names the documents cite (`kernel.months.month_window`).
PACKAGES = {"config", "kernel", "engagements", "sla", "billing", "reports", "imports", "importers", "bench"}

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
DOTTED = re.compile(r"^[a-z_]+(?:\.[A-Za-z_]\w*){2,}$")
PATH = re.compile(r"^\.?[\w-]+(?:/[\w.-]+)*/?$")


def _relative(document: Path) -> str:
    return str(document.relative_to(ROOT))


def _prose(document: Path) -> str:
    """Return a document without its fenced code blocks (shell examples are not links)."""
    return FENCE.sub("", document.read_text(encoding="utf-8"))


def slug(heading: str) -> str:
    """Return the anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"`|\*\*|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@cache
def anchors(document: Path) -> set[str]:
    return {slug(title) for title in HEADING.findall(_prose(document))}


def links() -> list[tuple[str, str]]:
    return [(_relative(doc), target) for doc in DOCUMENTS for target in LINK.findall(_prose(doc))]


def code_spans() -> list[tuple[str, str]]:
    return [(_relative(doc), span.strip()) for doc in DOCUMENTS for span in CODE_SPAN.findall(_prose(doc))]


def test_the_readme_and_the_four_guides_are_there() -> None:
    names = {path.name for path in DOCUMENTS}
    assert {"README.md", "definitions.md", "api.md", "operations.md", "architecture.md"} <= names


@pytest.mark.parametrize(("document", "target"), links())
def test_every_relative_link_resolves_to_a_file_of_the_repository(document: str, target: str) -> None:
    if re.match(r"^[a-z]+:", target):
        return  # http(s), mailto: outside the repository by intent
    path_part, _, fragment = target.partition("#")
    source = ROOT / document
    resolved = (source.parent / path_part).resolve() if path_part else source
    assert resolved.is_relative_to(ROOT), f"{document} links outside the repository: {target}"
    assert resolved.exists(), f"{document} links to a missing file: {target}"
    if fragment and resolved.suffix == ".md":
        assert fragment in anchors(resolved), f"{document} links to a missing heading: {target}"


def test_no_document_sends_readers_outside_the_repository() -> None:
    for document in DOCUMENTS:
        assert "../shared" not in document.read_text(encoding="utf-8"), _relative(document)


@cache
def _module_file(dotted: str) -> Path | None:
    base = ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def _names(path: Path, class_name: str | None = None) -> set[str]:
    """Return the names a module (or one of its classes) defines, assigns or imports at its top level."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    if class_name is not None:
        found = [n for n in body if isinstance(n, ast.ClassDef) and n.name == class_name]
        body = found[0].body if found else []
    names: set[str] = set()
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
    return names


def resolves(dotted: str) -> bool:
    """Tell whether `package.module.name[.member]` names a module, or a name defined in one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = _module_file(".".join(parts[:cut]))
        if module is None:
            continue
        rest = parts[cut:]
        if not rest:
            return True
        if rest[0] not in _names(module):
            return False
        return len(rest) == 1 or (len(rest) == 2 and rest[1] in _names(module, rest[0]))
    return False


CITED_NAMES = [(doc, span) for doc, span in code_spans() if DOTTED.match(span) and span.split(".")[0] in PACKAGES]
CITED_PATHS = [
    (doc, span)
    for doc, span in code_spans()
    if PATH.match(span)
    and "/" in span
    and (ROOT / span.split("/")[0]).exists()
    and (span.endswith("/") or "." in span.rsplit("/", 1)[-1])
]


def test_the_documents_cite_code() -> None:
    assert len(CITED_NAMES) > 50 and len(CITED_PATHS) > 10


@pytest.mark.parametrize(("document", "name"), CITED_NAMES)
def test_every_cited_module_and_function_exists(document: str, name: str) -> None:
    assert resolves(name), f"{document} cites {name}, which the code does not define"


@pytest.mark.parametrize(("document", "path"), CITED_PATHS)
def test_every_cited_file_exists(document: str, path: str) -> None:
    assert (ROOT / path).exists(), f"{document} cites {path}, which is not in the repository"


def api_root_resources() -> list[str]:
    """Return the resource names the API root lists (read from config/api.py, not imported)."""
    tree = ast.parse((ROOT / "config" / "api.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and target.id == "resources" and isinstance(node.value, ast.Tuple):
            return [element.value for element in node.value.elts if isinstance(element, ast.Constant)]
    raise AssertionError("config/api.py no longer declares ApiRoot.resources")


def test_the_api_guide_lists_every_resource_of_the_api_root() -> None:
    guide = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    resources = api_root_resources()
    assert len(resources) > 20
    assert [name for name in resources if f"| `{name}/` |" not in guide] == []


def environment_variables() -> list[str]:
    """Return the names the settings read through config.env (`env_str("NAME", ...)` and its siblings)."""
    pattern = re.compile(r"\benv_(?:str|bool|int|list)\(\s*\"([A-Z][A-Z0-9_]*)\"")
    return sorted({name for path in (ROOT / "config").rglob("*.py") for name in pattern.findall(path.read_text())})


@pytest.mark.parametrize("document", ["README.md", "docs/operations.md"])
def test_the_configuration_tables_name_every_environment_variable(document: str) -> None:
    text = (ROOT / document).read_text(encoding="utf-8")
    names = environment_variables()
    assert len(names) > 20
    assert [name for name in names if f"`{name}`" not in text] == []


def test_a_heading_slug_is_what_github_makes_of_it() -> None:
    assert slug("Data completeness (partly built)") == "data-completeness-partly-built"
    assert slug("The `import_file` command") == "the-import_file-command"


def test_a_broken_name_does_not_resolve() -> None:
    assert resolves("kernel.months.month_window")
    assert not resolves("kernel.months.no_such_function")
    assert not resolves("kernel.no_such_module.anything")
