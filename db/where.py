"""The `where` clause of a read query, built one optional filter at a time."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from db.schema import iso


class Where:
    """Conditions joined by `and`, with their parameters in order. A filter whose value is None
    (or an empty list) adds nothing, so a command's optional flags map one to one onto calls:

        where = Where().since("captured_at", since).equals("source", source)
        db.query(f"select * from changes{where} order by captured_at", where.params)
    """

    def __init__(self, *conditions: str):
        self.conditions: list[str] = list(conditions)
        self.params: list = []

    def add(self, condition: str, *params) -> Where:
        """A condition always applied, with the values of its `?` marks."""
        self.conditions.append(condition)
        self.params.extend(params)
        return self

    def equals(self, column: str, value) -> Where:
        return self if value is None else self.add(f"{column} = ?", value)

    def since(self, column: str, moment: datetime | None) -> Where:
        """`column` at or after `moment` (an ISO timestamp column)."""
        return self if moment is None else self.add(f"{column} >= ?", iso(moment))

    def until(self, column: str, moment: datetime | None) -> Where:
        """`column` strictly before `moment`."""
        return self if moment is None else self.add(f"{column} < ?", iso(moment))

    def among(self, column: str, values: Iterable | None) -> Where:
        """`column` is one of `values` (a short list: long ones go through queries.in_chunks)."""
        values = list(values or ())
        return self.add(f"{column} in ({', '.join('?' * len(values))})", *values) if values else self

    @property
    def condition(self) -> str:
        """The conditions alone, for a query that has its own `where` ("1" when there is none)."""
        return " and ".join(self.conditions) or "1"

    def __str__(self) -> str:
        """` where …`, or nothing when there is no condition."""
        return f" where {self.condition}" if self.conditions else ""
