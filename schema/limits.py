"""Document limits beyond Strawberry's own: directives per document, repeated fields, and a depth limit that
survives an unknown fragment.

- **Directives** (graphql-armor's max-directives, default 50): a document of a thousand tokens can carry
  hundreds of ``@skip``/``@include`` (or unknown) directives, each one validated and each unknown one answered
  with its own error; the portal's documents use a handful.
- **Repeated fields**: the same response key (or fragment spread) selected again and again in one selection
  set (``{ __typename __typename ... }``) makes the overlapping-fields check quadratic and is never needed:
  repeats are merged into one answer anyway.
- **Depth**: Strawberry's ``QueryDepthLimiter`` raises ``KeyError`` on a spread of an unknown fragment, which
  escapes validation as an unexpected error; here the standard rule reports the unknown fragment instead.
"""

from __future__ import annotations

from collections import Counter
from contextlib import suppress
from typing import Any

from graphql import (
    ASTValidationRule,
    DirectiveNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    SelectionSetNode,
    ValidationContext,
)
from strawberry.extensions import AddValidationRules, QueryDepthLimiter


def max_directives_rule(limit: int) -> type[ASTValidationRule]:
    """A validation rule refusing documents with more than ``limit`` directives (one error, at the first
    directive past the limit)."""

    class MaxDirectives(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.seen = 0

        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            self.seen += 1
            if self.seen == limit + 1:
                self.report_error(GraphQLError(f"The document has more than {limit} directives.", node))

    return MaxDirectives


def max_repeated_fields_rule(limit: int) -> type[ASTValidationRule]:
    """A validation rule refusing a selection set that selects one response key (or spreads one fragment)
    more than ``limit`` times."""

    class MaxRepeatedFields(ASTValidationRule):
        def enter_selection_set(self, node: SelectionSetNode, *_: Any) -> None:
            keys: Counter[str] = Counter()
            for selection in node.selections:
                if isinstance(selection, FieldNode):
                    keys[(selection.alias or selection.name).value] += 1
                elif isinstance(selection, FragmentSpreadNode):
                    keys["..." + selection.name.value] += 1
            key, count = keys.most_common(1)[0] if keys else ("", 0)
            if count > limit:
                message = (
                    f"'{key}' is selected {count} times in one selection set; at most {limit} are allowed."
                )
                self.report_error(GraphQLError(message, node))

    return MaxRepeatedFields


class DocumentLimits(AddValidationRules):
    """The directive and repeated-field limits as one Strawberry extension.

    Args:
        max_directives: Directives per document.
        max_repeated_fields: Selections of one response key per selection set.
    """

    def __init__(self, *, max_directives: int, max_repeated_fields: int) -> None:
        super().__init__([max_directives_rule(max_directives), max_repeated_fields_rule(max_repeated_fields)])


class DepthLimit(AddValidationRules):
    """Strawberry's depth limit, with an unknown fragment left to the standard ``KnownFragmentNamesRule``.

    Args:
        max_depth: The deepest allowed selection (as ``QueryDepthLimiter`` counts it).
    """

    def __init__(self, max_depth: int) -> None:
        (depth_rule,) = QueryDepthLimiter(max_depth=max_depth).validation_rules

        class TolerantDepth(ASTValidationRule):
            def __init__(self, context: ValidationContext) -> None:
                super().__init__(context)
                # The depth check runs (and reports) in the rule's constructor. A KeyError is a spread of an
                # unknown fragment, which the standard rules report as such.
                with suppress(KeyError):
                    depth_rule(context)

        super().__init__([TolerantDepth])
