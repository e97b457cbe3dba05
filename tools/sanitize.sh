#!/usr/bin/env bash
# Build fastact with AddressSanitizer + UndefinedBehaviorSanitizer in a
# throw-away copy of the checkout and run the test suite against it.
#
#   tools/sanitize.sh                 # all tests
#   tools/sanitize.sh -k softmax -x   # extra arguments go to pytest
#
# Needs gcc (libasan, libubsan) and, in the running python3, the build and test
# dependencies: pip install "Cython>=3.1" "setuptools>=64" "numpy>=2" ".[test]".  Python itself is not instrumented, so the
# ASan runtime is LD_PRELOADed; leak detection is off (CPython's interned
# objects and caches look like leaks; leaks are checked by tests/test_leaks.py
# in the normal run, which this script skips: ASan's quarantine grows RSS).
# Any ASan report or UBSan diagnostic aborts the run with a non-zero status.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fastact-san.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

PY=${PYTHON:-python3}
if ! "$PY" -c "import Cython, setuptools, numpy, pytest" 2>/dev/null; then
    echo "sanitize.sh: $PY lacks Cython/setuptools/numpy/pytest;" \
         'pip install "Cython>=3.1" "setuptools>=64" ".[test]"' >&2
    exit 2
fi

CC=${CC:-gcc}
LIBASAN=$("$CC" -print-file-name=libasan.so)
if [ ! -e "$LIBASAN" ]; then
    echo "sanitize.sh: $CC has no libasan.so" >&2
    exit 2
fi

echo "== copying the checkout to $WORK/src"
mkdir -p "$WORK/src"
(cd "$ROOT" && tar --exclude=./build --exclude='*.so' --exclude=./src/fastact/_core.c \
    --exclude=.git --exclude=.hypothesis --exclude=.pytest_cache --exclude=.benchmarks -cf - .) \
    | tar -xf - -C "$WORK/src"

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
echo "== building with $SAN"
(cd "$WORK/src" && CC="$CC" CFLAGS="$SAN -O1" LDFLAGS="$SAN" \
    "$PY" setup.py build_ext --inplace -j 2 >"$WORK/build.log" 2>&1) || {
    tail -40 "$WORK/build.log"; exit 1; }
grep "^fastact:" "$WORK/build.log" || true

echo "== running tests under ASan/UBSan"
cd "$WORK/src"
export PYTHONPATH="$WORK/src/src${PYTHONPATH:+:$PYTHONPATH}"
export LD_PRELOAD="$LIBASAN${LD_PRELOAD:+:$LD_PRELOAD}"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export PYTHONMALLOC=malloc  # let ASan see every Python allocation
"$PY" -c "import fastact; fastact.show_config()"
# tests/test_leaks.py measures RSS growth, which ASan's quarantine of freed
# memory makes meaningless; it runs in the normal test suite instead.
"$PY" -m pytest -p no:cacheprovider --ignore=tests/test_leaks.py "$@"
echo "== sanitizer run clean"
