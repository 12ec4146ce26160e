"""The warnings the library gives when a result stands on thin ground."""

from __future__ import annotations

__all__ = [
    "BoundaryFitWarning",
    "ConvergenceWarning",
    "EmptyRiskSetWarning",
    "SubscriptionMetricsWarning",
]


class SubscriptionMetricsWarning(UserWarning):
    """
    Base class of every warning the library gives.

    A warning means the result was computed and returned, but part of it
    rests on less than it seems: read the message, then decide. Silence them
    all with ``warnings.simplefilter("ignore", SubscriptionMetricsWarning)``,
    or turn them into errors with ``"error"``. Each call warns at most once
    per kind, however many groups are affected; the message says how many.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> issubclass(sm.EmptyRiskSetWarning, sm.SubscriptionMetricsWarning)
    True
    >>> issubclass(sm.SubscriptionMetricsWarning, UserWarning)
    True
    """


class EmptyRiskSetWarning(SubscriptionMetricsWarning):
    """
    A Kaplan-Meier risk set emptied before later subjects entered.

    With late entry (``entry=``), a group can run out of subjects under
    observation and gain new ones later. Nothing is known about survival
    across that gap, so ``kaplan_meier`` gives ``survival``, ``variance``,
    ``lower`` and ``upper`` as NaN from the first time after it (lifelines
    refuses such data).
    """


class ConvergenceWarning(SubscriptionMetricsWarning):
    """
    A model fit did not converge; its estimate should not be used.

    The shifted-beta-geometric fits report it in ``converged`` as well.
    """


class BoundaryFitWarning(SubscriptionMetricsWarning):
    """
    A fit ran to a bound of its parameters.

    For the shifted-beta-geometric model this is its geometric limit: churn
    that does not vary across customers, where ``alpha`` and ``beta`` grow
    without bound. ``sbg_fit`` returns the point on the bound (not
    converged); ``early_ltv`` uses the geometric limit instead and says so
    in its ``model`` column.
    """


for _cls in (
    SubscriptionMetricsWarning,
    EmptyRiskSetWarning,
    ConvergenceWarning,
    BoundaryFitWarning,
):
    _cls.__module__ = "subscription_metrics"
