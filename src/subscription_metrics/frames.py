"""Tables and entities: validation and conversion, from one set of definitions.

An entity's fields are its table's columns. `validate` checks a whole table
against the same column definitions that validate one entity, and `to_frame` /
`from_frame` convert between the two.
"""

from __future__ import annotations

from ._schema import from_frame, to_frame, validate

__all__ = ["from_frame", "to_frame", "validate"]
