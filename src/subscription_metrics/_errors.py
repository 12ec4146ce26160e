"""The exception raised for invalid input tables, and what it reports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs
from attrs import frozen

__all__ = ["InvalidTableError", "Problem", "as_strings"]

#: How many offending row labels a problem quotes.
MAX_EXAMPLES = 5


def as_strings(values: Iterable[object]) -> tuple[str, ...]:
    """Return *values* as a tuple of strings (for quoted examples)."""
    return tuple(str(value) for value in values)


@frozen(kw_only=True)
class Problem:
    """
    One broken rule in one column of one input table.

    Attributes
    ----------
    table : str
        Name of the table, such as ``"subscriptions"``.
    column : str
        Column the rule applies to (several columns are joined with ``", "``).
    rule : str
        Short name of the rule, such as ``"not negative"``.
    count : int
        Number of rows that break the rule (0 for table-level rules such as
        a missing column).
    examples : tuple of str
        Up to five row labels (or values) that break the rule.
    detail : str
        One sentence that explains the rule or how to fix the input.
    unit : str
        What `count` counts: ``"row"`` (the default) or, for rules about
        customers, ``"customer"``.

    Examples
    --------
    >>> p = Problem(table="subscriptions", column="mrr", rule="not negative",
    ...             count=2, examples=("7", "9"))
    >>> print(p)
    subscriptions.mrr: not negative: 2 rows (e.g. 7, 9)
    """

    table: str
    column: str
    rule: str
    count: int = 0
    examples: tuple[str, ...] = attrs.field(default=(), converter=as_strings)
    detail: str = ""
    unit: str = "row"

    def __str__(self) -> str:
        """Return the problem as one line: table.column: rule: count (examples)."""
        where = f"{self.table}.{self.column}: {self.rule}"
        if self.count:
            noun = self.unit if self.count == 1 else f"{self.unit}s"
            where += f": {self.count} {noun}"
            if self.examples:
                where += f" (e.g. {', '.join(self.examples)})"
        if self.detail:
            where += f"; {self.detail}"
        return where


class InvalidTableError(ValueError):
    """
    Raised when input tables break the library's rules.

    It lists every problem found, not only the first, so one run of the
    validator tells the caller everything to fix. It subclasses
    `ValueError`, so ``except ValueError`` keeps working.

    Attributes
    ----------
    problems : tuple of Problem
        Every broken rule, in the order the checks ran.

    Examples
    --------
    >>> err = InvalidTableError([Problem(table="customers", column="customer_id",
    ...                                  rule="missing column")])
    >>> print(err)
    1 problem in the input:
      - customers.customer_id: missing column
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{count} {noun} in the input:"]
        lines += [f"  - {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))

    def __repr__(self) -> str:
        """
        Return the class name and the message, with its real line breaks.

        The default repr of an exception quotes the message, so a notebook
        cell that ends in the error (or a list of errors) would show escaped
        line breaks instead of one problem per line.

        Examples
        --------
        >>> InvalidTableError([Problem(table="t", column="a", rule="missing column"),
        ...                    Problem(table="t", column="b", rule="missing column")])
        InvalidTableError: 2 problems in the input:
          - t.a: missing column
          - t.b: missing column
        """
        return f"{type(self).__name__}: {self}"

    def __reduce__(self) -> tuple[type[InvalidTableError], tuple[tuple[Problem, ...]]]:
        """Pickle the problems, not the message (for processes and workers)."""
        return (type(self), (self.problems,))


# Shown in tracebacks as the public name, not the private module.
InvalidTableError.__module__ = "subscription_metrics"
