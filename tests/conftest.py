"""Hypothesis profiles: CI runs harder than a laptop."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("dev", max_examples=50, deadline=None)
# CI is reproducible (the same examples on every run); local runs explore.
settings.register_profile(
    "ci", max_examples=200, deadline=None, print_blob=True, derandomize=True
)
settings.load_profile(os.getenv("HYPOTHESIS_PROFILE", "dev"))
