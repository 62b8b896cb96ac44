"""Validation messages that name only what the client itself sent (everywhere but development).

With introspection off, a schema-recovery tool (clairvoyance) rebuilds a schema from validation messages:
suggestions ("Did you mean 'name'?"), the type in "Cannot query field 'nme' on type 'Patient'", the argument
in "Argument 'Query.patient(id:)' of type 'ID!' is required", the enum in "Value 'X' does not exist in
'ProxyAccessLevel' enum". Strawberry's ``disable_field_suggestions`` strips only the first kind.

graphql-core quotes every name it writes with single quotes, and writes scalar names bare ("Int cannot
represent ..."). So a message keeps its shape and its position, and loses:

- every suggestion;
- inside quotes, every schema element name (type, field, argument, enum value) the document (or a variable
  value) did not name, replaced by ``…``;
- outside quotes, every schema type name the document did not name, replaced the same way.

Other words stay: a scalar's own explanation ("encountered error 'not a FHIR date: YYYY, YYYY-MM or
YYYY-MM-DD'") is written for clients.

"Cannot query field 'nme' on type 'Patient'. Did you mean 'name'?" becomes "Cannot query field 'nme' on type
'…'.", and "Argument 'Query.patient(id:)' of type 'ID!' is required" becomes "Argument '….patient(id:)' of
type '…!' is required" (when the document says ``id`` somewhere): still the client's own mistake, at its
position, and nothing about the schema. Syntax errors come from the parser, which knows no schema, and pass
unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import GraphQLSyntaxError
from graphql.language import Lexer, Source, TokenKind

HIDDEN = "…"
_SUGGESTION = re.compile(r"\s*Did you mean\b[^?]*\?")
_QUOTED = re.compile(r"('[^']*')")
_WORD = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


def client_names(document: str | None, variables: Mapping[str, Any] | None) -> frozenset[str]:
    """The names the client sent: the document's name tokens and the string values of its variables."""
    names: set[str] = set(_strings(variables or {}))
    if document:
        lexer = Lexer(Source(document))
        try:
            while (token := lexer.advance()).kind != TokenKind.EOF:
                if token.kind == TokenKind.NAME and token.value:
                    names.add(token.value)
        except GraphQLSyntaxError:
            pass  # the names before the mistake are all a syntax error can quote
    return frozenset(names)


def hide_schema(
    message: str, named: frozenset[str], type_names: frozenset[str], element_names: frozenset[str]
) -> str:
    """``message`` without suggestions and without schema names the client did not send.

    Args:
        message: A validation or variable-coercion message.
        named: What the client named (``client_names``).
        type_names: Every type name of the schema, the built-in scalars included.
        element_names: Every name of the schema: types, fields, arguments, input fields, enum values.

    Returns:
        The message to show.
    """
    if message.startswith("Syntax Error"):
        return message

    def in_quotes(match: re.Match[str]) -> str:  # quoted words are names of anything, or a scalar's text
        word = match.group(0)
        return HIDDEN if word in element_names and word not in named else word

    def bare(match: re.Match[str]) -> str:  # bare words are English, unless they are type names
        word = match.group(0)
        return HIDDEN if word in type_names and word not in named else word

    parts = _QUOTED.split(_SUGGESTION.sub("", message))
    return "".join(_WORD.sub(in_quotes if i % 2 else bare, part) for i, part in enumerate(parts))


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
