"""
Read the exports of billing systems into the library's tables.

One module per vendor, each with a function per export:

- `subscription_metrics.adapters.stripe`: ``subscriptions`` (subscription
  objects with their items) and ``invoice_lines`` (invoices with their lines,
  and credit notes);
- `subscription_metrics.adapters.chargebee`: ``subscriptions`` and
  ``invoice_lines`` (invoices and credit notes) likewise.

Each returns an `Imported` record: ``frame``, in the layout of
`Ledger.from_subscriptions` or of `Ledger.from_invoice_lines`, and ``set_aside``,
what the adapter left out (voided invoices, subscriptions never paid for),
counted. A vendor value the adapter does not know raises `InvalidTableError`
naming the vendor's field and rows. Modules load on first use.

Examples
--------
>>> import subscription_metrics as sm
>>> sm.adapters.stripe.subscriptions([]).frame.columns.tolist()
['subscription_id', 'customer_id', 'start', 'end', 'mrr', 'currency', 'plan', \
'stripe_subscription_id']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import chargebee, stripe

__all__ = ["chargebee", "stripe"]


def __getattr__(name: str) -> Any:
    """Load a vendor module on first use (PEP 562)."""
    if name in __all__:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    """List the vendor modules, so tab completion shows them before first use."""
    return sorted(__all__)
