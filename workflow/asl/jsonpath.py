"""JSONPath as the States Language uses it: Paths, Reference Paths, intrinsic functions.

A Reference Path (Variable, ResultPath, ItemsPath, ...Path comparisons) selects exactly one
node: `$`, `.name`, `['name']` and `[index]` only. A Path (InputPath, OutputPath, `.$`
values) may also use JSONPath's multi-node operators. Both may start with `$$` (the Context
Object) except where a caller forbids it (ResultPath).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from workflow.asl.errors import PathNotFound

# Operators a Reference Path must not contain unescaped (ASL spec, "Reference Paths").
_REFERENCE_FORBIDDEN = set("@,:?*")
_DOT_NAME_STOP = set(".[]") | _REFERENCE_FORBIDDEN

INTRINSIC_FUNCTIONS = frozenset(
    {
        "States.Format",
        "States.StringToJson",
        "States.JsonToString",
        "States.Array",
        "States.ArrayPartition",
        "States.ArrayContains",
        "States.ArrayRange",
        "States.ArrayGetItem",
        "States.ArrayLength",
        "States.ArrayUnique",
        "States.Base64Encode",
        "States.Base64Decode",
        "States.Hash",
        "States.JsonMerge",
        "States.MathRandom",
        "States.MathAdd",
        "States.StringSplit",
        "States.UUID",
    }
)


@dataclass(frozen=True)
class ParsedPath:
    context: bool  # starts with "$$"
    segments: tuple[str | int, ...]
    reference: bool  # only single-node steps


def parse_path(path: str) -> ParsedPath:
    """Parse a Path; raise ValueError saying what is wrong with it."""
    if not isinstance(path, str):
        raise ValueError(f"a path must be a string, got {type(path).__name__}")
    if not path.startswith("$"):
        raise ValueError(f"{path!r} does not start with '$'")
    context = path.startswith("$$")
    i = 2 if context else 1
    segments: list[str | int] = []
    reference = True
    while i < len(path):
        char = path[i]
        if char == ".":
            if path.startswith("..", i):
                reference = False
                i += 1
            i, name, plain = _dot_name(path, i + 1)
            reference = reference and plain
            segments.append(name)
        elif char == "[":
            i, segment = _bracket(path, i)
            if segment is None:
                reference = False
            else:
                segments.append(segment)
        else:
            raise ValueError(f"{path!r}: unexpected {char!r} at position {i}")
    return ParsedPath(context, tuple(segments), reference)


def _dot_name(path: str, i: int) -> tuple[int, str, bool]:
    """Read `name` after a dot; `plain` is False for `*` or reference-forbidden characters."""
    name: list[str] = []
    plain = True
    while i < len(path) and path[i] not in ".[]":
        char = path[i]
        if char == "\\":
            if i + 1 >= len(path):
                raise ValueError(f"{path!r}: dangling escape at the end")
            name.append(path[i + 1])
            i += 2
            continue
        if char.isspace():
            raise ValueError(f"{path!r}: whitespace in a field name (use ['...'] instead)")
        if char in _REFERENCE_FORBIDDEN:
            plain = False
        name.append(char)
        i += 1
    if not name:
        raise ValueError(f"{path!r}: empty field name at position {i}")
    return i, "".join(name), plain


def _bracket(path: str, i: int) -> tuple[int, str | int | None]:
    """Read `[...]` at i; the segment, or None for a multi-node selector (`*`, slice, filter)."""
    close = _matching_bracket(path, i)
    inner = path[i + 1 : close].strip()
    if not inner:
        raise ValueError(f"{path!r}: empty brackets at position {i}")
    if inner[0] in "'\"":
        quote = inner[0]
        text, end = _quoted(inner, 0, quote, path)
        if end == len(inner):
            return close + 1, text
        return close + 1, None  # ['a','b'] union
    if inner.isascii() and inner.isdigit():
        return close + 1, int(inner)
    return close + 1, None


def _scan(text: str, i: int, quotes: str) -> Iterator[tuple[int, str, int]]:
    """(position, character, nesting depth before it) of each character from `i` on that is
    outside a quoted string; `[`/`(` open a level, `]`/`)` close one.

    A quote opens with one of `quotes` and closes with the same character; inside it a
    backslash escapes the next character.
    """
    quote: str | None = None
    depth = 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = None
        elif char in quotes:
            quote = char
        else:
            yield i, char, depth
            if char in "[(":
                depth += 1
            elif char in "])":
                depth -= 1
        i += 1


def _matching_bracket(path: str, i: int) -> int:
    for j, char, depth in _scan(path, i, "'\""):
        if char in "])" and depth == 1:
            return j
    raise ValueError(f"{path!r}: unclosed '[' at position {i}")


def _quoted(text: str, i: int, quote: str, path: str) -> tuple[str, int]:
    out: list[str] = []
    j = i + 1
    while j < len(text):
        char = text[j]
        if char == "\\" and j + 1 < len(text):
            out.append(text[j + 1])
            j += 2
        elif char == quote:
            return "".join(out), j + 1
        else:
            out.append(char)
            j += 1
    raise ValueError(f"{path!r}: unclosed quote")


def path_problem(path: Any, *, reference: bool = False, allow_context: bool = True) -> str | None:
    """Why `path` is not acceptable, or None when it is."""
    try:
        parsed = parse_path(path)
    except ValueError as error:
        return str(error)
    if parsed.context and not allow_context:
        return f"{path!r} must not start with '$$' (the Context Object is read-only here)"
    if reference and not parsed.reference:
        return f"{path!r} is not a Reference Path (it may select more than one node)"
    return None


def is_reference_path(path: Any, *, allow_context: bool = True) -> bool:
    return path_problem(path, reference=True, allow_context=allow_context) is None


def resolve_path(path: str, document: Any, *, context: Any = None) -> Any:
    """The node a Reference Path selects; PathNotFound when it selects nothing.

    `$$` paths resolve against `context` (the Context Object), which must then be given.
    """
    parsed = parse_path(path)
    if not parsed.reference:
        raise ValueError(f"{path!r} is not a Reference Path")
    if parsed.context and context is None:
        raise ValueError(f"{path!r} reads the Context Object, which was not given")
    node = context if parsed.context else document
    walked = "$$" if parsed.context else "$"
    for segment in parsed.segments:
        if isinstance(segment, int):
            if not isinstance(node, list):
                raise PathNotFound(path, f"{walked} is not an array")
            if segment >= len(node):
                raise PathNotFound(path, f"{walked} has no index {segment}")
            node = node[segment]
            walked += f"[{segment}]"
        else:
            if not isinstance(node, Mapping):
                raise PathNotFound(path, f"{walked} is not an object")
            if segment not in node:
                raise PathNotFound(path, f"{walked} has no field {segment!r}")
            node = node[segment]
            walked += f".{segment}"
    return node


def intrinsic_problem(expression: Any) -> str | None:
    """Why `expression` is not a well-formed intrinsic function call, or None."""
    if not isinstance(expression, str):
        return "an intrinsic function must be a string"
    try:
        end = _parse_call(expression, 0)
    except ValueError as error:
        return f"{expression!r}: {error}"
    if end != len(expression):
        return f"{expression!r}: unexpected text after position {end}"
    return None


def _parse_call(text: str, i: int) -> int:
    start = i
    while i < len(text) and (text[i].isascii() and (text[i].isalnum() or text[i] in "._")):
        i += 1
    name = text[start:i]
    if name not in INTRINSIC_FUNCTIONS:
        raise ValueError(f"unknown intrinsic function {name!r}")
    if i >= len(text) or text[i] != "(":
        raise ValueError(f"expected '(' after {name}")
    i = _skip_space(text, i + 1)
    if i < len(text) and text[i] == ")":
        return i + 1
    while True:
        i = _parse_argument(text, _skip_space(text, i))
        i = _skip_space(text, i)
        if i >= len(text):
            raise ValueError("unclosed '('")
        if text[i] == ")":
            return i + 1
        if text[i] != ",":
            raise ValueError(f"expected ',' or ')' at position {i}")
        i += 1


def _parse_argument(text: str, i: int) -> int:
    if i >= len(text):
        raise ValueError("missing argument")
    char = text[i]
    if char == "'":
        return _parse_intrinsic_string(text, i)
    if char == "$":
        end = _argument_end(text, i)
        problem = path_problem(text[i:end].rstrip())
        if problem:
            raise ValueError(problem)
        return end
    if text.startswith("null", i):
        return i + 4
    if char.isdigit() or char in "-+.":
        end = _argument_end(text, i)
        try:
            float(text[i:end])
        except ValueError:
            raise ValueError(f"bad number {text[i:end]!r}") from None
        return end
    return _parse_call(text, i)


def _parse_intrinsic_string(text: str, i: int) -> int:
    j = i + 1
    while j < len(text):
        char = text[j]
        if char == "\\":
            if j + 1 >= len(text) or text[j + 1] not in "'{}\\":
                raise ValueError(f"open escape at position {j}")
            j += 2
        elif char == "'":
            return j + 1
        else:
            j += 1
    raise ValueError("unclosed string")


def _argument_end(text: str, i: int) -> int:
    """Where the argument starting at `i` ends: the `,` or `)` closing it, or the end."""
    for j, char, depth in _scan(text, i, "'"):
        if depth == 0 and char in "]),":
            return j
    return len(text)


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] == " ":
        i += 1
    return i
