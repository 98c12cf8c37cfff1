"""The message catalog: every code the code base can raise has English and Chinese text."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

import objectry
from objectry.metadata.i18n import LANGUAGES, message
from objectry.metadata.messages.catalog import MESSAGES

SOURCE_ROOT = Path(objectry.__file__).parent

# ErrorItem(<first argument>, "code"...): the first argument may hold calls such as
# pointer("fields", i) or strings such as "/via", so allow two levels of parentheses.
_ARG = r"""(?:[^,()"']|"[^"\n]*"|'[^'\n]*'|\((?:[^()]|\([^()]*\))*\))+"""
CODE_PATTERNS = [
    re.compile(r"\bErrorItem\(\s*" + _ARG + r""",\s*["']([a-z][a-z0-9_]*)["']"""),
    re.compile(r"""\bdetail_code\s*=\s*["']([a-z][a-z0-9_]*)["']"""),
    re.compile(r"""\btitle_code\s*=\s*["']([a-z][a-z0-9_]*)["']"""),
    re.compile(r"""\bFieldValueError\(\s*["']([a-z][a-z0-9_]*)["']"""),
    re.compile(r"""\bCodedMessage\(\s*["']([a-z][a-z0-9_]*)["']"""),
]


def codes_in_source() -> dict[str, set[str]]:
    """Every code literal the patterns find, with the files that use it."""
    found: dict[str, set[str]] = {}
    for path in sorted(SOURCE_ROOT.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for pattern in CODE_PATTERNS:
            for match in pattern.finditer(text):
                found.setdefault(match.group(1), set()).add(
                    str(path.relative_to(SOURCE_ROOT.parent)))
    return found


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_entry_is_in_both_languages_with_the_same_placeholders(code: str) -> None:
    entry = MESSAGES[code]
    assert set(entry) == set(LANGUAGES) == {"en", "zh-CN"}
    assert entry["en"].strip() and entry["zh-CN"].strip()
    assert placeholders(entry["en"]) == placeholders(entry["zh-CN"])
    assert all(name.isidentifier() for name in placeholders(entry["en"]))


def test_chinese_text_is_chinese() -> None:
    """Each zh-CN text has Chinese in it, unless it only passes a text through."""
    untranslated = sorted(
        code for code, entry in MESSAGES.items()
        if not re.search(r"[\u4e00-\u9fff]", entry["zh-CN"])
        and not re.fullmatch(r"\{\w+\}", entry["zh-CN"]))
    assert untranslated == []


def test_scan_finds_codes_of_every_kind() -> None:
    """The scan itself works: codes of each form, including multi-line calls."""
    found = codes_in_source()
    assert {"unknown_field_type",       # ErrorItem(path, "code" over two lines
            "reserved_name",            # ErrorItem(at + "/api_name", "code", ...)
            "unknown_lookup_target",    # ErrorItem("/target", ...)
            "too_long",                 # FieldValueError("code", ...)
            "not_found",                # title_code = "code"
            "admin_required",           # detail_code="code"
            } <= set(found)
    assert len(found) >= 80


def test_every_code_used_in_the_source_has_a_message() -> None:
    missing = {code: sorted(files) for code, files in codes_in_source().items()
               if code not in MESSAGES}
    assert missing == {}


def test_catalog_codes_are_machine_codes() -> None:
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", code) for code in MESSAGES)


def test_rendering_in_both_languages() -> None:
    params = {"object": "lead", "field": "score"}
    assert message("unknown_field", "en", params) == "The object 'lead' has no field 'score'."
    assert message("unknown_field", "zh-CN", params) == "对象“lead”没有字段“score”。"
    assert message("invalid_choice", "en", {"allowed": ["a", "b"]}) == "Not one of: a, b."
    assert message("invalid_condition", "en").startswith('A condition is {"all": [...]}')
    assert message("no_such_code", "en") == "no_such_code"
    # a missing parameter stays visible rather than failing the whole problem response
    assert message("too_long", "en") == "At most {max_length} characters."


def test_no_code_is_defined_in_two_catalog_modules() -> None:
    """The catalogs are merged with ``|``: a key defined twice silently keeps the last
    module's text, so one of the two would never be shown."""
    import ast

    seen: dict[str, str] = {}
    duplicates: list[str] = []
    for path in sorted((SOURCE_ROOT / "metadata" / "messages").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Dict):
                continue
            for key, value in zip(node.keys, node.values, strict=True):
                if (isinstance(key, ast.Constant) and isinstance(key.value, str)
                        and isinstance(value, ast.Dict)
                        and {k.value for k in value.keys if isinstance(k, ast.Constant)}
                        == set(LANGUAGES)):
                    if key.value in seen:
                        duplicates.append(f"{key.value}: {seen[key.value]}, {path.name}")
                    seen[key.value] = path.name
    assert len(seen) > 100  # the scan reads the catalogs
    assert duplicates == []
