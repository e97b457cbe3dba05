"""Build the fastact._core extension.

One extension module, ``fastact._core``, made of
  * the Cython layer ``src/fastact/_core.pyx`` (compiled by setuptools as usual);
  * the portable C library ``src/c/*.c`` (dispatch, parallel driver), compiled
    for the baseline of the target (no ISA flags) plus OpenMP when available;
  * the per-ISA kernel files ``src/c/kernels/<isa>.c`` (or ``<isa>_*.c``), each
    compiled with that ISA's flags ONLY, so no AVX instruction can leak into
    code that runs before the CPU check.

An ISA whose flags the compiler rejects is left out (with a note in the build
log) instead of failing the build; dispatch.c learns which ISA files were built
from the macros FA_HAVE_SSE2 / FA_HAVE_AVX2 / FA_HAVE_AVX512 / FA_HAVE_NEON.

Never -march=native, never -ffast-math: wheels must run on any CPU of the
architecture and the kernels rely on IEEE semantics (NaN, inf, signed zero).
-ffp-contract=off keeps plain C arithmetic exactly as written (GCC's GNU modes
would otherwise fuse a*b+c into FMA in files built with -mfma, making a scalar
tail differ from the scalar twin); kernels that want FMA use intrinsics/fma().
"""

import importlib.util
import os
import platform
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from glob import glob

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

try:  # setuptools >= 59 vendors distutils
    from setuptools.errors import CompileError, LinkError
except ImportError:  # pragma: no cover
    from distutils.errors import CompileError, LinkError

try:
    from setuptools.modified import newer_group
except ImportError:  # pragma: no cover - older setuptools
    from distutils.dep_util import newer_group

C_DIR = os.path.join("src", "c")
KERNEL_DIR = os.path.join(C_DIR, "kernels")

_machine = platform.machine().lower()
IS_X86_64 = _machine in ("x86_64", "amd64", "x64")
IS_AARCH64 = _machine in ("aarch64", "arm64")

# ISA name -> (gcc/clang flags, msvc flags, macro, probe source).  Order matters
# only for the build log.  "scalar" has no flags and is always built.
_X86_PROBES = {
    "sse2": "#include <emmintrin.h>\n"
    "int main(void){__m128d a=_mm_set1_pd(1.0);a=_mm_add_pd(a,a);return (int)_mm_cvtsd_f64(a);}\n",
    "avx2": "#include <immintrin.h>\n"
    "int main(void){__m256 a=_mm256_set1_ps(1.f);a=_mm256_fmadd_ps(a,a,a);"
    "__m256i i=_mm256_add_epi32(_mm256_castps_si256(a),_mm256_castps_si256(a));"
    "__m128i h=_mm256_cvtps_ph(a,0);a=_mm256_cvtph_ps(h);"
    "return _mm256_cvtsi256_si32(i)+(int)_mm256_cvtss_f32(a);}\n",
    "avx512": "#include <immintrin.h>\n"
    "int main(void){__m512 a=_mm512_set1_ps(1.f);__mmask16 m=_mm512_cmp_ps_mask(a,a,_CMP_EQ_OQ);"
    "a=_mm512_maskz_scalef_ps(m,a,a);__m512d d=_mm512_cvtps_pd(_mm256_set1_ps(1.f));"
    "__m256 h=_mm512_extractf32x8_ps(a,1);__m128i b=_mm_maskz_mov_epi8((__mmask16)1,_mm_set1_epi8(1));"
    "return (int)_mm512_reduce_add_ps(a)+(int)_mm512_reduce_add_pd(d)+(int)_mm256_cvtss_f32(h)+_mm_cvtsi128_si32(b);}\n",
}
ISAS = []  # (name, unix flags, msvc flags, macro, probe)
if IS_X86_64:
    ISAS = [
        ("sse2", ["-msse2"], [], "FA_HAVE_SSE2", _X86_PROBES["sse2"]),
        ("avx2", ["-mavx2", "-mfma", "-mf16c"], ["/arch:AVX2"], "FA_HAVE_AVX2", _X86_PROBES["avx2"]),
        (
            "avx512",
            ["-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl"],
            ["/arch:AVX512"],
            "FA_HAVE_AVX512",
            _X86_PROBES["avx512"],
        ),
    ]
elif IS_AARCH64:
    ISAS = [
        (
            "neon",
            # Advanced SIMD with FMA (FMLA), TBL, FCVTZS #fbits, half <->
            # single FCVTL/FCVTN and vector FDIV is mandatory in AArch64
            # (ARMv8-A): no flags, and no -march/-mcpu either (the wheel
            # must run on every aarch64 CPU).
            [],
            [],
            "FA_HAVE_NEON",
            # the intrinsics kernels/vec_neon.h relies on
            "#include <arm_neon.h>\n"
            "int main(void){float32x4_t a=vdupq_n_f32(1.f);a=vfmaq_f32(a,a,a);"
            "uint8x16x2_t t={{vreinterpretq_u8_f32(a),vreinterpretq_u8_f32(a)}};"
            "a=vreinterpretq_f32_u8(vqtbl2q_u8(t,vdupq_n_u8(3)));"
            "t=vld1q_u8_x2((const uint8_t*)&t);a=vaddq_f32(a,vreinterpretq_f32_u8(t.val[1]));"
            "int32x4_t i=vcvtq_n_s32_f32(a,23);float64x2_t d=vdivq_f64(vcvt_high_f64_f32(a),vdupq_n_f64(3.0));"
            "a=vcvt_high_f32_f64(vcvt_f32_f64(d),d);a=vcvt_f32_f16(vcvt_f16_f32(a));"
            "return (int)vgetq_lane_f32(a,0)+vgetq_lane_s32(i,1)+(int)vaddvq_f64(d);}\n",
        ),
    ]


def _isa_files(isa):
    """Kernel files of one ISA: kernels/<isa>.c and kernels/<isa>_<anything>.c."""
    files = glob(os.path.join(KERNEL_DIR, isa + ".c")) + glob(os.path.join(KERNEL_DIR, isa + "_*.c"))
    return sorted(set(files))


def _c_sources():
    return sorted(glob(os.path.join(C_DIR, "*.c")))


def _all_c_deps():
    pats = ["*.c", "*.h", os.path.join("kernels", "*.c"), os.path.join("kernels", "*.h")]
    out = []
    for p in pats:
        out += glob(os.path.join(C_DIR, p))
    return sorted(out)


class BuildExt(build_ext):
    """build_ext that compiles the C library and per-ISA kernels with their own flags."""

    def _is_msvc(self):
        return self.compiler.compiler_type == "msvc"

    # -- probing -----------------------------------------------------------
    def _try(self, source, cflags, ldflags=None, link=False):
        """True if `source` compiles (and links as a shared object, if asked) with the flags."""
        tmp = tempfile.mkdtemp(prefix="fastact-probe-")
        try:
            src = os.path.join(tmp, "probe.c")
            with open(src, "w") as f:
                f.write(source)
            objs = self.compiler.compile([src], output_dir=tmp, extra_postargs=cflags)
            if link:
                self.compiler.link_shared_object(
                    objs, os.path.join(tmp, "probe.so"), extra_postargs=ldflags or []
                )
            return True
        except (CompileError, LinkError, OSError):
            return False
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _base_flags(self):
        if self._is_msvc():
            return ["/O2"]
        flags = ["-O3", "-std=gnu11", "-fvisibility=hidden", "-ffp-contract=off"]
        # Keep only what this compiler accepts (e.g. very old compilers).
        return [f for f in flags if self._try("int main(void){return 0;}\n", [f])]

    def _openmp_flags(self):
        """(compile flags, link flags) for OpenMP, or ([], []) if unavailable."""
        if os.environ.get("FASTACT_NO_OPENMP"):
            return [], []
        src = (
            "#include <omp.h>\n"
            "int main(void){int s=0;\n#pragma omp parallel reduction(+:s)\ns+=omp_get_thread_num();\n"
            "return s+omp_get_max_threads();}\n"
        )
        candidates = [(["/openmp"], [])] if self._is_msvc() else [(["-fopenmp"], ["-fopenmp"])]
        for cflags, ldflags in candidates:
            if self._try(src, cflags, ldflags, link=True):
                return cflags, ldflags
        return [], []

    # -- building ----------------------------------------------------------
    def build_extension(self, ext):
        if ext.name != "fastact._core":
            return super().build_extension(ext)

        ext_path = self.get_ext_fullpath(ext.name)
        depends = list(ext.sources) + list(ext.depends)
        if not (self.force or newer_group(depends, ext_path, "newer")):
            return super().build_extension(ext)  # up to date: let setuptools log "skipping"

        base = self._base_flags()
        omp_c, omp_l = self._openmp_flags()
        msvc = self._is_msvc()

        jobs = []  # (sources, extra_postargs, macros)
        macros = []
        built = ["scalar"]
        scalar = _isa_files("scalar")
        if scalar:
            jobs.append((scalar, base, []))
        for name, unix_flags, msvc_flags, macro, probe in ISAS:
            files = _isa_files(name)
            if not files:
                continue
            flags = msvc_flags if msvc else unix_flags
            if not self._try(probe, base + flags):
                print(f"fastact: compiler cannot build {name} kernels ({' '.join(flags)}); leaving {name} out")
                continue
            jobs.append((files, base + flags, []))
            macros.append((macro, "1"))
            built.append(name)
        jobs.append((_c_sources(), base + omp_c, macros))

        print(f"fastact: kernels built for {', '.join(built)}; OpenMP: {'yes' if omp_c else 'no'}")

        def compile_one(args):
            src, postargs, mac = args
            return self.compiler.compile(
                [src],
                output_dir=self.build_temp,
                macros=mac,
                include_dirs=ext.include_dirs,
                debug=self.debug,
                extra_postargs=postargs,
                depends=ext.depends,
            )

        tasks = [(s, postargs, mac) for files, postargs, mac in jobs for s in files]
        # Create object directories up front: distutils' mkpath is not thread-safe.
        for obj in self.compiler.object_filenames([t[0] for t in tasks], output_dir=self.build_temp):
            os.makedirs(os.path.dirname(obj) or ".", exist_ok=True)
        workers = max(1, int(self.parallel or 1))
        if workers > 1:
            with ThreadPoolExecutor(workers) as pool:
                results = list(pool.map(compile_one, tasks))
        else:
            results = [compile_one(t) for t in tasks]
        objects = [o for r in results for o in r]

        ext.extra_objects = list(ext.extra_objects or []) + objects
        ext.extra_link_args = list(ext.extra_link_args or []) + omp_l
        return super().build_extension(ext)


# The public wrappers and type stubs are generated from the op registry
# (src/fastact/_ops) before Cython runs: _ops_gen.pxi (included by _core.pyx)
# and __init__.pyi.
_codegen = importlib.util.spec_from_file_location(
    "fastact_codegen", os.path.join("src", "fastact", "_ops", "_codegen.py"))
_codegen_mod = importlib.util.module_from_spec(_codegen)
_codegen.loader.exec_module(_codegen_mod)
_codegen_mod.generate(os.path.join("src", "fastact"))
# ... and the Cython API (_core.pxd, _capi_gen.pxi, cython_api.pxd: see _capigen.py).
_capigen = importlib.util.spec_from_file_location(
    "fastact_capigen", os.path.join("src", "fastact", "_ops", "_capigen.py"))
_capigen_mod = importlib.util.module_from_spec(_capigen)
_capigen.loader.exec_module(_capigen_mod)
_capigen_mod.generate(os.path.join("src", "fastact"))

ext = Extension(
    "fastact._core",
    sources=[os.path.join("src", "fastact", "_core.pyx")],
    include_dirs=[C_DIR, np.get_include()],
    depends=_all_c_deps() + [os.path.join("src", "fastact", n)
                             for n in ("_ops_gen.pxi", "_core_foreign.pxi", "_capi_gen.pxi", "_core.pxd")],
    define_macros=[
        ("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION"),
        # Built against NumPy 2 headers, importable with NumPy >= 1.23 at run time.
        ("NPY_TARGET_VERSION", "NPY_1_23_API_VERSION"),
    ],
)

setup(
    cmdclass={"build_ext": BuildExt},
    ext_modules=cythonize(
        [ext],
        compiler_directives={
            "language_level": 3,
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
        },
        quiet=True,
    ),
)
