"""A list includes only what its selection shows, and what it includes is not part of its identity."""

from __future__ import annotations

from resolvers.results import RESULTS, Filters


def test_a_reports_observations_and_performers_are_included_only_when_selected() -> None:
    everything = RESULTS.query(Filters())
    assert everything.include == ("DiagnosticReport:result", "DiagnosticReport:performer")
    performers = RESULTS.query(Filters(), frozenset({"id", "performer"}))
    assert performers.include == ("DiagnosticReport:performer",)
    assert RESULTS.query(Filters(), frozenset({"id", "code"})).include == ()


def test_a_cursor_stays_valid_whatever_the_next_page_selects() -> None:
    keys = {RESULTS.query(Filters(), wants).key for wants in (None, frozenset(), frozenset({"result"}))}
    assert len(keys) == 1
    assert RESULTS.query(Filters(code="718-7")).key not in keys
