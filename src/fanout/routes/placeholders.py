"""``${name}`` placeholders in the SQL script, resolved from the runtime properties.

Example:
    >>> substitute("'stream.arn' = '${input.stream.arn}'", {"input.stream.arn": "arn:x"})
    "'stream.arn' = 'arn:x'"
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from fanout.routes.exceptions import MissingPropertyError, UnknownPlaceholderError

PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_.\-]*)\}")
# Quoted literals and identifiers (a doubled quote escapes) and comments (an unclosed one runs to the end).
_QUOTED_OR_COMMENT = re.compile(r"""'(?:[^']|'')*'|`(?:[^`]|``)*`|"(?:[^"]|"")*"|--[^\n]*|/\*.*?(?:\*/|$)""", re.DOTALL)

# The property names the lifecycle passes to the Flink application in property group "fanout".
RUNTIME_PROPERTIES: frozenset[str] = frozenset(
    {
        "input.stream.arn",
        "positive.stream.arn",
        "negative.stream.arn",
        "rejected.stream.arn",
        "aws.region",
        "source.init.position",
        "source.init.timestamp",
    }
)


def find_placeholders(sql: str) -> set[str]:
    """Return the names of every ``${name}`` placeholder in ``sql``."""
    return set(PLACEHOLDER.findall(sql))


def check_placeholders(sql: str, allowed: Collection[str] = RUNTIME_PROPERTIES) -> set[str]:
    """Return the placeholder names, raising UnknownPlaceholderError for any outside ``allowed``."""
    names = find_placeholders(sql)
    unknown = names - set(allowed)
    if unknown:
        raise UnknownPlaceholderError(sorted(unknown))
    return names


def substitute(sql: str, properties: Mapping[str, str], allowed: Collection[str] | None = None) -> str:
    """Replace every ``${name}`` with ``properties[name]``, escaped for a single-quoted SQL literal.

    Raises UnknownPlaceholderError when ``allowed`` is given and a name is outside it, and
    MissingPropertyError when a name has no property.
    """
    names = check_placeholders(sql, allowed) if allowed is not None else find_placeholders(sql)
    missing = names - set(properties)
    if missing:
        raise MissingPropertyError(sorted(missing))
    return PLACEHOLDER.sub(lambda m: str(properties[m.group(1)]).replace("'", "''"), sql)


def malformed_placeholders(sql: str) -> list[tuple[int, str]]:
    """``(offset, text)`` of each ``${`` outside comments that opens no well-formed ``${name}`` placeholder.

    Left alone, Flink would take such text as a literal (a stream ARN ``${input.stream.arn``, say) and fail
    later and far less clearly, or run against the wrong resource.
    """
    code = _QUOTED_OR_COMMENT.sub(lambda m: m.group() if m.group()[0] in "'`\"" else " " * len(m.group()), sql)
    found = []
    for match in re.finditer(r"\$\{", code):
        if not PLACEHOLDER.match(code, match.start()):
            found.append((match.start(), re.split(r"['\n;]", code[match.start() :], maxsplit=1)[0][:40]))
    return found
