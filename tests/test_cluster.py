"""fastact on a dask.distributed cluster: a LocalCluster of 2 worker processes
with 1 thread each computes softmax(gelu(x)) of a chunked array (several
chunks per worker) and must give the in-memory result; every chunk function
in the workers runs with num_threads=1 (a worker thread is dask's unit of
parallelism: no oversubscription when workers x threads = cores).

About 10 s (mostly starting the workers); skipped without dask.distributed.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import fastact as fa

pytestmark = pytest.mark.timeout(240)


def _install_spy():
    """In a worker: record (function, num_threads) of every chunk call fastact makes."""
    import fastact._core as core

    log = []
    core._fastact_test_log = log
    for name, pos in (("_map_array", 4), ("_rows_array", 4), ("_rows_split_part", 4), ("_rows_split_fix", 5)):
        orig = getattr(core, name)
        if getattr(orig, "_spy", False):
            continue

        def spy(*a, _orig=orig, _name=name, _pos=pos, **kw):
            log.append((_name, kw.get("nt", a[_pos] if len(a) > _pos else 0)))
            return _orig(*a, **kw)

        spy._spy = True
        setattr(core, name, spy)
    return True


def _read_spy():
    import fastact._core as core

    return list(getattr(core, "_fastact_test_log", []))


def test_local_cluster_softmax_of_gelu():
    distributed = pytest.importorskip("distributed")
    da = pytest.importorskip("dask.array")
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the spy functions, by value
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=50) as cluster, \
            distributed.Client(cluster) as client:
        assert all(v is True for v in client.run(_install_spy).values())
        rng = np.random.default_rng(0)
        x = (rng.standard_normal((256, 3000)) * 3).astype(np.float32)
        d = da.from_array(x, chunks=(64, 1000))  # 4 x 3 chunks: 12 chunks for 2 workers
        y = fa.softmax(fa.gelu(d), axis=-1)  # the axis is split: the two-pass path
        r = y.compute()
        want = fa.softmax(fa.gelu(x), axis=-1)
        assert r.dtype == np.float32 and r.shape == x.shape
        assert np.max(np.abs(r - want) / want) < 1e-5
        assert np.allclose(r.sum(axis=-1), 1, atol=1e-5)
        # whole rows in a chunk: one map_blocks, bitwise the in-memory result
        r2 = fa.log_softmax(fa.gelu(d.rechunk((64, 3000)))).compute()
        assert np.array_equal(r2, fa.log_softmax(fa.gelu(x)))
        logs = client.run(_read_spy)
    assert len(logs) == 2 and all(logs.values()), logs  # both workers computed chunks
    calls = [c for log in logs.values() for c in log]
    assert {name for name, _ in calls} >= {"_map_array", "_rows_split_part", "_rows_split_fix", "_rows_array"}
    assert {nt for _, nt in calls} == {1}, calls
