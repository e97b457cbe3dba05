"""pytest configuration for the benchmark suite (benchmarks/ is not in testpaths).

    pytest benchmarks --benchmark-only --benchmark-group-by=group
    pytest benchmarks --benchmark-only --bench-threads 1 -k "sigmoid and float32"

Collects benchmarks/bench_ops.py even when only the directory is named (its name
does not match pytest's default test_*.py pattern), and adds ``--bench-threads``
(default: $FASTACT_BENCH_THREADS, else fastact.get_num_threads()).
"""

import glob
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")
# a source checkout built in place (setup.py build_ext --inplace) works without install
_BUILT = [f for f in glob.glob(os.path.join(SRC, "fastact", "_core*"))
          if not f.endswith((".pyx", ".pxd", ".c"))]
if _BUILT and SRC not in sys.path:
    sys.path.insert(0, SRC)

BENCH_MODULES = ("bench_ops.py",)


def pytest_addoption(parser):
    parser.addoption("--bench-threads", type=int, default=None,
                     help="threads for fastact and every threaded peer in benchmarks/"
                          " (default: $FASTACT_BENCH_THREADS or fastact.get_num_threads())")


def pytest_collect_file(file_path, parent):
    if file_path.name not in BENCH_MODULES or file_path.parent != type(file_path)(HERE):
        return None
    # named on the command line: pytest collects it itself
    if parent.session.isinitpath(file_path):
        return None
    return pytest.Module.from_parent(parent, path=file_path)


@pytest.fixture(scope="session")
def bench_threads(request):
    n = request.config.getoption("--bench-threads")
    if n is None:
        from fastact._bench.env import default_threads

        n = default_threads()
    if n < 1:
        raise pytest.UsageError("--bench-threads must be >= 1")
    return n
