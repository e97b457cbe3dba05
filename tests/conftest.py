"""pytest configuration shared by the fastact test suite.

Fixtures
--------
isa        parametrized over every ISA level this machine can run
           (get_config()["isa_supported"] that is also compiled); switches
           in-process with fastact._core.set_isa and restores it afterwards.
Helpers live in tests/_helpers.py (imported here via sys.path, so the suite
works with any pytest import mode).
"""

from __future__ import annotations

import os
import sys
import warnings

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fastact

try:
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "fastact",
        max_examples=150,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    settings.register_profile(
        "fastact-long",
        parent=settings.get_profile("fastact"),
        max_examples=2000,
        derandomize=False,
    )
    settings.load_profile(os.environ.get("FASTACT_HYPOTHESIS_PROFILE", "fastact"))
except ImportError:  # pragma: no cover - hypothesis is a test extra
    pass


def usable_isas():
    cfg = fastact.get_config()
    sup = list(cfg.get("isa_supported", []))
    comp = cfg.get("isa_compiled")
    if comp is not None:
        sup = [s for s in sup if s in comp]
    return sup or [cfg["isa"]]


ISAS = usable_isas()


@pytest.fixture(params=ISAS)
def isa(request):
    name = request.param
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "not supported; using ..."
        prev = fastact._core.set_isa(name)
    try:
        if fastact._core.get_isa() != name:  # e.g. capped by FASTACT_ISA
            pytest.skip(f"cannot switch to {name} (got {fastact._core.get_isa()})")
        yield name
    finally:
        fastact._core.set_isa(prev)


@pytest.fixture
def each_level():
    """Every level this CPU supports, for a test that loops over them with set_isa; the
    level in use before is restored afterwards."""
    prev = fastact._core.get_isa()
    yield fastact._core.isa_supported()
    fastact._core.set_isa(prev)
