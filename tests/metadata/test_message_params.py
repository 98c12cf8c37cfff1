"""Every message renders whole: no ``{placeholder}`` left for a user to read.

Two checks over the catalogs (``objectry/metadata/messages``): each message, given the
parameters its text names, renders in every language without a leftover placeholder;
and each place in the code that raises a message by its literal code (``ErrorItem(path,
"code", {...})``, ``detail_code="code", name=...``, ``FieldValueError("code", ...)``)
passes every parameter the message names.
"""

from __future__ import annotations

import ast
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from objectry.metadata.i18n import LANGUAGES, message
from objectry.metadata.messages.catalog import MESSAGES

PACKAGE = Path(__file__).resolve().parents[2] / "objectry"
#: Keywords of a Problem that are not message parameters.
PROBLEM_KEYWORDS = {"errors", "detail_code", "status", "extra"}


def placeholders(template: str) -> set[str]:
    """The names a template fills in (``{{`` and ``}}`` are literal braces)."""
    return {name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(template) if name}


def needed(code: str) -> set[str]:
    return set().union(*(placeholders(text) for text in MESSAGES[code].values()))


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_message_renders_with_the_params_it_names(code: str) -> None:
    params = {name: f"<{name}>" for name in needed(code)}
    for language in LANGUAGES:
        assert MESSAGES[code].get(language), f"{code} has no {language} text"
        rendered = message(code, language, params)
        # literal braces ({{000}} renders as {000}) are text, not a placeholder left over
        literal = MESSAGES[code][language].replace("{{", "").replace("}}", "")
        assert placeholders(literal) <= set(params)
        for name in needed(code):
            assert "{" + name + "}" not in rendered, (code, language, rendered)


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) \
        else None


def raisers() -> Iterator[tuple[str, str, set[str]]]:
    """(where, code, parameter names) of every raise site whose code and parameters are
    written out; sites that build them at run time are left to the rendering check."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            name = node.func.id if isinstance(node.func, ast.Name) else \
                node.func.attr if isinstance(node.func, ast.Attribute) else ""
            if name == "ErrorItem" and len(node.args) >= 2:
                code = _literal(node.args[1])
                if code is None:
                    continue
                if len(node.args) == 2 and not node.keywords:
                    yield where, code, set()
                elif len(node.args) == 3 and isinstance(node.args[2], ast.Dict):
                    keys = [_literal(k) for k in node.args[2].keys]
                    if all(k is not None for k in keys):
                        yield where, code, {k for k in keys if k is not None}
            elif name == "FieldValueError" and node.args:
                code = _literal(node.args[0])
                if code is not None and all(k.arg for k in node.keywords):
                    yield where, code, {str(k.arg) for k in node.keywords}
            else:
                detail = next((k.value for k in node.keywords if k.arg == "detail_code"),
                              None)
                code = _literal(detail)
                if code is not None and all(k.arg for k in node.keywords):
                    yield where, code, {str(k.arg) for k in node.keywords} - PROBLEM_KEYWORDS


def test_raisers_pass_every_parameter_their_message_names() -> None:
    sites = list(raisers())
    assert len(sites) > 100  # the scan finds the raise sites
    missing = [(where, code, sorted(needed(code) - params))
               for where, code, params in sites
               if code in MESSAGES and needed(code) - params]
    assert missing == []


def test_raised_codes_are_in_the_catalog() -> None:
    unknown = [(where, code) for where, code, _ in raisers() if code not in MESSAGES]
    assert unknown == []
