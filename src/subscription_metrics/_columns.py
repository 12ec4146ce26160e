"""Column specifications: one definition per field, for entities and for tables.

Each entity field is declared with `column`, which returns an attrs field whose
validator checks one value and whose metadata holds a `ColumnSpec`. The table
validator (`_schema.py`) reads the same `ColumnSpec` to check a whole column at
once, so an entity and its table cannot disagree about what is valid.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import operator
from collections.abc import Callable
from typing import Any, Literal

import attrs
from attrs import frozen

__all__ = [
    "SPEC_KEY",
    "ColumnSpec",
    "Kind",
    "RowRule",
    "TableSchema",
    "as_int",
    "column",
    "column_specs",
]

SPEC_KEY = "subscription_metrics.column"

Kind = Literal[
    "id",  # non-empty identifier (str in entities; str or int in tables)
    "text",  # free label such as a plan or segment name
    "date",  # calendar date (datetime64 in tables)
    "month",  # first day of a calendar month (datetime64 or Period[M] in tables)
    "money",  # int minor units of the row's currency (non-negative unless signed)
    "currency",  # ISO 4217 code
    "enum",  # one value of an Enum (its string value in tables)
    "count",  # non-negative integer
    "number",  # finite float within bounds
]


@frozen(kw_only=True)
class ColumnSpec:
    """
    What one column of an input table must hold.

    Attributes
    ----------
    kind : str
        One of the `Kind` names; decides the dtype checks.
    required : bool
        Whether the column must be present (fields without a default).
    nullable : bool
        Whether a row may leave it empty (``None`` in an entity).
    unique : bool
        Whether values must not repeat within the table.
    enum : type of enum.Enum or None
        The allowed values for ``kind == "enum"``.
    low, high : float or None
        Inclusive bounds for ``kind == "number"``.
    low_open : bool
        Whether `low` itself is excluded.
    signed : bool
        Whether a ``money`` column may hold negative amounts (credit notes).
    doc : str
        One line describing the column, for the reference docs.
    """

    kind: Kind
    required: bool
    nullable: bool
    unique: bool = False
    enum: type[enum.Enum] | None = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    signed: bool = False
    doc: str = ""

    @property
    def bounds(self) -> str:
        """The bounds of a ``number`` as a rule name, such as ``within [0.0, 1.0]``."""
        if self.high is None:
            return (
                f"greater than {self.low}" if self.low_open else f"at least {self.low}"
            )
        left = "(" if self.low_open else "["
        return f"within {left}{self.low}, {self.high}]"


@frozen(kw_only=True)
class RowRule:
    """
    A rule across several columns of one row, for entities and tables alike.

    Attributes
    ----------
    name : str
        Short name of the rule, quoted in error messages.
    columns : tuple of str
        The columns the rule reads, in the order `check` takes them.
    check : callable
        Takes one value per column (scalars for an entity, aligned pandas
        Series for a table) and returns True (or a boolean Series) where the
        row is valid. Written with operators that work on both.
    detail : str
        One sentence explaining the rule.
    """

    name: str
    columns: tuple[str, ...]
    check: Callable[..., Any]
    detail: str = ""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _type_error(name: str, spec: ColumnSpec, value: object) -> str | None:
    """Return why *value* is of the wrong kind for *spec*, or None."""
    kind = spec.kind
    expected: dict[str, tuple[type, ...]] = {
        "id": (str,),
        "text": (str,),
        "currency": (str,),
        "date": (dt.date,),
        "month": (dt.date,),
        "money": (int,),
        "count": (int,),
        "number": (int, float),
    }
    if kind == "enum":
        return None  # a wrong value and a wrong type read the same: not a member
    if not isinstance(value, expected[kind]) or isinstance(value, bool):
        names = " or ".join(t.__name__ for t in expected[kind])
        unit = " (minor units)" if kind == "money" else ""
        return f"{name!r} must be {names}{unit}, got {value!r}"
    return None


def _value_error(name: str, spec: ColumnSpec, value: Any) -> str | None:
    """Return why *value*, of the right kind, breaks *spec*, or None."""
    kind = spec.kind
    if kind == "id" and not value:
        return f"{name!r} must not be empty"
    if kind == "month" and value.day != 1:
        return f"{name!r} must be the first day of a month, got {value!r}"
    if kind in ("money", "count") and value < 0 and not spec.signed:
        return f"{name!r} must be >= 0, got {value!r}"
    if kind == "currency":
        from ._currencies import CURRENCY_EXPONENTS

        if value not in CURRENCY_EXPONENTS:
            return f"{name!r} must be an ISO 4217 currency code, got {value!r}"
    if kind == "enum":
        assert spec.enum is not None
        if not isinstance(value, spec.enum):
            allowed = ", ".join(repr(member.value) for member in spec.enum)
            return f"{name!r} must be one of {allowed}, got {value!r}"
    if kind == "number":
        number = float(value)
        too_low = spec.low is not None and (
            number <= spec.low if spec.low_open else number < spec.low
        )
        too_high = spec.high is not None and number > spec.high
        if not math.isfinite(number) or too_low or too_high:
            if spec.high is None:
                return f"{name!r} must be finite and {spec.bounds}, got {value!r}"
            left = "(" if spec.low_open else "["
            return f"{name!r} must be in {left}{spec.low}, {spec.high}], got {value!r}"
    return None


def as_int(value: Any) -> Any:
    """
    Return an integer-like value (a numpy integer) as ``int``, else unchanged.

    Anything with ``__index__`` is an integer by Python's own protocol
    (`operator.index`); bools and everything else go to the validator as they
    are, which reports them.
    """
    if isinstance(value, int) or not hasattr(type(value), "__index__"):
        return value
    try:
        return operator.index(value)
    except TypeError:
        return value


def _validator(spec: ColumnSpec) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def validate(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            if spec.nullable:
                return
            msg = f"{attribute.name!r} must not be None"
            raise ValueError(msg)
        wrong_type = _type_error(attribute.name, spec, value)
        if wrong_type is not None:
            raise TypeError(wrong_type)
        wrong_value = _value_error(attribute.name, spec, value)
        if wrong_value is not None:
            raise ValueError(wrong_value)

    return validate


def _upper_case_code(value: Any) -> Any:
    """Read a known currency code in any case as the upper-case ISO code."""
    from ._currencies import known_code

    code = known_code(value)
    return value if code is None else code  # the validator reports the others


def column(
    kind: Kind,
    *,
    doc: str,
    optional: bool = False,
    default: Any = attrs.NOTHING,
    unique: bool = False,
    enum: type[enum.Enum] | None = None,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    signed: bool = False,
) -> Any:
    """
    Declare an entity field that is also a table column.

    An optional column defaults to ``None`` (or to `default`) and may be left
    out of a table or empty in a row. A `signed` money column takes negative
    amounts too.
    """
    nullable = optional and default is attrs.NOTHING
    if optional and default is attrs.NOTHING:
        default = None
    spec = ColumnSpec(
        kind=kind,
        required=not optional,
        nullable=nullable,
        unique=unique,
        enum=enum,
        low=low,
        high=high,
        low_open=low_open,
        signed=signed,
        doc=doc,
    )
    converter: Callable[[Any], Any] | None = None
    if kind in ("money", "count", "number"):
        converter = as_int
    if enum is not None:
        enum_type = enum

        def converter(value: Any) -> Any:
            try:
                return enum_type(value)
            except ValueError:
                return value  # the validator reports it with the allowed values

    elif kind == "currency":
        converter = _upper_case_code
    return attrs.field(
        default=default,
        validator=_validator(spec),
        converter=converter,
        metadata={SPEC_KEY: spec},
    )


@frozen(kw_only=True)
class TableSchema:
    """
    The columns of a table that no entity describes, for the same checks.

    Health signals, tier classifications and survival curves are tables the
    library computes and also takes back; their columns are declared here
    with the `ColumnSpec` an entity field would carry, and `check_table`
    reads them as it reads an entity's.

    Attributes
    ----------
    TABLE : str
        Name of the table in error messages (``table=`` when built).
    columns : mapping of str to ColumnSpec
        The columns, in order.
    ROW_RULES : tuple of RowRule
        Rules across columns (``row_rules=`` when built).
    KEY : tuple of str
        Columns that together identify a row (``key=`` when built).
    """

    TABLE: str = attrs.field(alias="table")
    columns: dict[str, ColumnSpec]
    ROW_RULES: tuple[RowRule, ...] = attrs.field(default=(), alias="row_rules")
    KEY: tuple[str, ...] = attrs.field(default=(), alias="key")


def column_specs(entity: type | TableSchema) -> dict[str, ColumnSpec]:
    """Return the `ColumnSpec` of every field of an entity class, in order."""
    if isinstance(entity, TableSchema):
        return dict(entity.columns)
    return {
        attribute.name: attribute.metadata[SPEC_KEY]
        for attribute in attrs.fields(entity)
        if SPEC_KEY in attribute.metadata
    }
