#!/bin/sh
# Run fastact's whole test suite on aarch64 (the neon and scalar levels) under
# qemu-user on an x86-64 Debian/Ubuntu machine.  No binfmt_misc, no chroot:
#
#   1. an arm64 Debian root with CPython 3.11 (debootstrap --foreign, the
#      packages unpacked with dpkg-deb: no maintainer scripts run);
#   2. numpy, Cython, pytest, ml_dtypes, ... as aarch64 wheels from PyPI
#      (pip install --target <root>/usr/local/lib/python3.11/dist-packages
#      --platform manylinux2014_aarch64: nothing is installed on the host);
#   3. two wrappers: python3 (the root's python3.11 under qemu-aarch64-static,
#      with sys.executable pointing at the wrapper, so the suite's
#      subprocesses run under qemu too) and ldd (the aarch64 loader's --list);
#   4. a copy of this checkout (tracked and untracked files, not ignored
#      ones), built in place by the emulated python with the host's cross
#      compiler (Debian's arm64 python has CC = aarch64-linux-gnu-gcc);
#   5. python -m pytest under qemu ("$@" is passed to pytest).
#
# Needs: debootstrap, qemu-user-static, gcc-aarch64-linux-gnu, python3 -m pip,
# network access to a Debian mirror and PyPI; root for debootstrap (steps 1-2
# run once: delete $FA_ARM64_ROOT to redo them).  Everything lives outside the
# repository:
#   FA_ARM64_ROOT  the arm64 root           (default /work/arm64root)
#   FA_ARM64_WORK  wrappers, copy, logs     (default /work/arm64build)
# Measured on the 2-core development machine (docs/aarch64.md): root and
# wheels ~1 min (once), build ~0.5 min, test suite ~10 min, all at nice 19.
#
#   tools/aarch64_suite.sh             # the default test run
#   tools/aarch64_suite.sh -x -k neon  # any pytest arguments
set -eu

ROOT=${FA_ARM64_ROOT:-/work/arm64root}
WORK=${FA_ARM64_WORK:-/work/arm64build}
SUITE=${FA_ARM64_SUITE:-bookworm}
MIRROR=${FA_ARM64_MIRROR:-http://deb.debian.org/debian}
PYV=3.11
# the versions of the measured run (docs/aarch64.md); override to test others
# (ml_dtypes: optional, for the bfloat16 tests)
PIP_PKGS=${FA_ARM64_PIP:-"numpy==2.4.6 Cython==3.3.1 setuptools==84.2.1 pytest==9.0.3 hypothesis==6.155.2 mpmath==1.3.0 threadpoolctl==3.8.0 pytest-timeout==2.4.0 ml_dtypes==0.7.0"}
REPO=$(cd "$(dirname "$0")/.." && pwd)
NICE="nice -n 19"
SITE=$ROOT/usr/local/lib/python$PYV/dist-packages

for t in qemu-aarch64-static aarch64-linux-gnu-gcc; do
    command -v $t >/dev/null || { echo "missing $t (apt-get install qemu-user-static gcc-aarch64-linux-gnu)"; exit 2; }
done

# ---- 1. the arm64 root (once) ----
if [ ! -x "$ROOT/usr/bin/python$PYV" ]; then
    command -v debootstrap >/dev/null || { echo "missing debootstrap (apt-get install debootstrap)"; exit 2; }
    echo "== arm64 root: debootstrap $SUITE into $ROOT"
    $NICE debootstrap --arch=arm64 --foreign --variant=minbase \
        --include=python$PYV,libpython$PYV-dev,libgomp1 "$SUITE" "$ROOT" "$MIRROR" >"$ROOT.debootstrap.log" 2>&1 ||
        { tail -20 "$ROOT.debootstrap.log"; exit 1; }
    # unpack every downloaded package (the first stage unpacks only the base);
    # --keep-directory-symlink keeps the merged-/usr links (bin -> usr/bin, ...)
    for d in "$ROOT"/var/cache/apt/archives/*.deb; do
        dpkg-deb --fsys-tarfile "$d" | tar -x --keep-directory-symlink -C "$ROOT"
    done
fi
if [ ! -d "$SITE/numpy" ]; then
    echo "== aarch64 wheels into $SITE"
    # shellcheck disable=SC2086
    $NICE python3 -m pip install --quiet --disable-pip-version-check --target "$SITE" \
        --platform manylinux2014_aarch64 --platform manylinux_2_28_aarch64 --only-binary=:all: \
        --python-version $PYV --implementation cp $PIP_PKGS
fi

# ---- 2. wrappers ----
mkdir -p "$WORK/bin"
cat >"$WORK/bin/python3" <<EOF
#!/bin/sh
# aarch64 CPython of $ROOT under qemu-user; argv[0] (so sys.executable) is this script
PYTHONHOME=$ROOT/usr exec qemu-aarch64-static -L $ROOT -0 "\$0" $ROOT/usr/bin/python$PYV "\$@"
EOF
cat >"$WORK/bin/ldd" <<EOF
#!/bin/sh
# ldd for aarch64 objects: the aarch64 loader's --list under qemu-user, library
# paths shown as the emulated process sees them (host paths inside the root)
qemu-aarch64-static -L $ROOT $ROOT/usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1 --list "\$@" |
    sed -e 's|=> /|=> $ROOT/|'
EOF
chmod +x "$WORK/bin/python3" "$WORK/bin/ldd"
PATH=$WORK/bin:$PATH
export PATH

# ---- 3. a copy of the checkout, built in place for aarch64 ----
rm -rf "$WORK/fastact"
mkdir -p "$WORK/fastact"
(cd "$REPO" && git ls-files -z --cached --others --exclude-standard |
    tar --null -T - --ignore-failed-read -cf -) | tar -xf - -C "$WORK/fastact"
cd "$WORK/fastact"
echo "== build ($(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD || echo +changes))"
start=$(date +%s)
# the root's headers: Python.h, and (after the cross compiler's own) the
# multiarch aarch64-linux-gnu/python3.11/pyconfig.h
CFLAGS="-I$ROOT/usr/include/python$PYV -idirafter $ROOT/usr/include" \
    $NICE python3 setup.py build_ext --inplace -j 2 >"$WORK/build.log" 2>&1 ||
    { tail -30 "$WORK/build.log"; exit 1; }
grep "^fastact:" "$WORK/build.log"
echo "   $(($(date +%s) - start)) s"

echo "== configuration"
PYTHONPATH=src python3 -c "import fastact, platform; print(platform.machine(), fastact.get_config())"

# ---- 4. the test suite ----
echo "== python -m pytest $*"
start=$(date +%s)
set +e
PYTHONPATH=src $NICE python3 -m pytest -p no:cacheprovider "$@"
rc=$?
echo "== pytest exit status $rc, $(($(date +%s) - start)) s"
exit $rc
