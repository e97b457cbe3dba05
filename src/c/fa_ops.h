/*
 * fa_ops.h - the C op registry: one row per operation, read by everything in
 * the C library (the op enums, the kernels each ISA file instantiates, the
 * kernel table, the drivers' grains and non-temporal thresholds).  The
 * Python registry (src/fastact/_ops/) holds the rest of each op's facts
 * (public name, parameters, reference, error bound) and a test checks that
 * the two agree (tests/test_registry.py).
 *
 * Elementwise ops (kernels: y[i] = f(x[i]; params), algorithm
 * fa_<name>_vf(v, p0, ...) / fa_<name>_vd(...) in kernels/fa_algo_*.h):
 *   X(ENUM, name, nparams, grain_f32, grain_f64, nt_min_bytes)
 *     nparams       kernel parameters used (p->v[0..nparams-1]); the
 *                   algorithm takes that many broadcast vectors after x
 *     grain_<dt>    minimum elements per thread for a thread to pay off
 *                   (measured, see "Grains" below)
 *     nt_min_bytes  out-of-place outputs of at least this many bytes use the
 *                   non-temporal-store kernel (identical results); 0 = never
 * Row ops (softmax family, along the last axis of C-contiguous rows):
 *   X(ENUM, name, grain_f32, grain_f64)   grains in elements (rows * cols)
 *
 * Every field is positional: a row with a missing field does not compile.
 *
 * Grains: chosen by measurement on the 2-core AVX-512 development machine
 * (Xeon, KVM, shared), every call forced parallel: the smallest power-of-two
 * size at which 2 threads beat 1 by >= 1.3x (medians of interleaved
 * repetitions, back-to-back calls, median over 7 runs on the quiet machine),
 * halved, so a call uses 2 threads from that size on (work >= 2 * grain).
 * Cheap, memory-bound ops (relu, leaky_relu) need far more work per thread
 * than transcendental ones; float64 about half of float32.  relu and
 * leaky_relu are parallel from 256 KB of input: with the static split each
 * core keeps its half of x and y in its own cache between calls (repeated
 * calls measured float32 5e4: 1.1x, 1e5: 1.4x, 2e5: 2.0x; float64 5e4: 1.5x,
 * 1e5: 2.2x).  docs/threading.md has the measurements;
 * benchmarks/bench_threads.py --thresholds re-measures them.
 *
 * Non-temporal stores: measured serially on the development machine (2 MB
 * L2 per core): relu float32 gains 1.2x from a 2 MB output and 1.45-1.75x
 * from 32 MB (no read-for-ownership of the output).  The transcendental ops
 * gain at 40 MB (1e7 float32, one thread, with the kernels' software
 * prefetch): sigmoid 0.42 -> 0.30 ns/element, gelu 0.68 -> 0.64; below
 * ~8 MB normal stores leave the output in cache for whatever reads it next.
 */
#ifndef FA_OPS_H
#define FA_OPS_H

#define FA_KB ((size_t)1024)
#define FA_MB ((size_t)1 << 20)

/*     ENUM        name        np  grain_f32   grain_f64   nt_min_bytes */
#define FA_MAP_OPS(X)                                                        \
    X(RELU,        relu,        0, 32 * FA_KB, 16 * FA_KB, 4 * FA_MB)        \
    X(LEAKY_RELU,  leaky_relu,  1, 32 * FA_KB, 16 * FA_KB, 4 * FA_MB)        \
    X(SIGMOID,     sigmoid,     0, 32 * FA_KB,  8 * FA_KB, 8 * FA_MB)        \
    X(TANH,        tanh,        0, 32 * FA_KB,  8 * FA_KB, 8 * FA_MB)        \
    X(SILU,        silu,        0, 16 * FA_KB,  8 * FA_KB, 8 * FA_MB)        \
    X(GELU,        gelu,        0,  8 * FA_KB,  2 * FA_KB, 8 * FA_MB)        \
    X(GELU_TANH,   gelu_tanh,   0,  8 * FA_KB,  4 * FA_KB, 8 * FA_MB)        \
    X(SOFTPLUS,    softplus,    3,  8 * FA_KB,  4 * FA_KB, 8 * FA_MB)        \
    X(LOG_SIGMOID, log_sigmoid, 0,  8 * FA_KB,  4 * FA_KB, 8 * FA_MB)        \
    X(RELU6,       relu6,       0, 32 * FA_KB, 16 * FA_KB, 4 * FA_MB)        \
    X(HARDTANH,    hardtanh,    2, 32 * FA_KB, 16 * FA_KB, 4 * FA_MB)        \
    X(HARDSIGMOID, hardsigmoid, 0, 32 * FA_KB, 16 * FA_KB, 4 * FA_MB)        \
    X(HARDSWISH,   hardswish,   0, 32 * FA_KB, 16 * FA_KB, 4 * FA_MB)        \
    X(SOFTSIGN,    softsign,    0, 32 * FA_KB, 16 * FA_KB, 8 * FA_MB)        \
    X(ELU,         elu,         1, 32 * FA_KB,  8 * FA_KB, 8 * FA_MB)        \
    X(SELU,        selu,        0, 32 * FA_KB,  8 * FA_KB, 8 * FA_MB)        \
    X(CELU,        celu,        2, 32 * FA_KB,  8 * FA_KB, 8 * FA_MB)        \
    X(QUICK_GELU,  quick_gelu,  0, 16 * FA_KB,  8 * FA_KB, 8 * FA_MB)        \
    X(MISH,        mish,        0,  8 * FA_KB,  4 * FA_KB, 8 * FA_MB)

/* The elementwise ops whose 16-bit calls read the kernel's results from a
 * table of all 2^16 (lut16.c: built by a call of >= 2^16 elements, used by
 * those of >= 1024 once it exists), per dtype
 * (1 = by table): where a lookup (a scalar load per element, the table in
 * L1/L2) beats the kernel.  Measured (AMD Zen 4, 1 thread, 1e7 elements of
 * N(0, 3^2), kernel time / table time): bfloat16 1.3-4.3x for every op
 * below; float16 (whose own conversions are one instruction each, and whose
 * inputs touch ~4x more table entries) 1.4-2.6x for gelu, softplus,
 * log_sigmoid, mish, 0.4-1.0x for the rest.  The ops not listed run at
 * memory speed.
 *   X(ENUM, float16, bfloat16) */
#define FA_LUT16_OPS(X)                                                      \
    X(SIGMOID, 0, 1) X(TANH, 0, 1) X(SILU, 0, 1) X(GELU, 1, 1)               \
    X(GELU_TANH, 0, 1) X(SOFTPLUS, 1, 1) X(LOG_SIGMOID, 1, 1) X(ELU, 0, 1)   \
    X(SELU, 0, 1) X(CELU, 0, 1) X(QUICK_GELU, 0, 1) X(MISH, 1, 1)

/*     ENUM         name         grain_f32   grain_f64 */
#define FA_ROW_OPS(X)                                   \
    X(SOFTMAX,      softmax,     16 * FA_KB, 8 * FA_KB) \
    X(LOG_SOFTMAX,  log_softmax, 16 * FA_KB, 8 * FA_KB)

/* Gated ops (GLU family): x holds a and b, the first and second halves of
 * the gated axis; y = a * act(b) (glu) or act(a) * b (the others), half as
 * long.  Kernels take a, b and y as three contiguous runs of n elements
 * (algorithm fa_<name>_gvf(a, b) / fa_<name>_gvd in kernels/fa_algo_gated.h;
 * driver gated.c over (outer, 2 * half, inner) layouts).
 *   X(ENUM, name, grain_f32, grain_f64)   grains in output elements
 * Grains: those of the activation each applies (sigmoid, silu, gelu,
 * gelu_tanh, relu), as each output element costs one activation and reads
 * two inputs. */
/*     ENUM         name         grain_f32   grain_f64 */
#define FA_GATED_OPS(X)                                 \
    X(GLU,          glu,         32 * FA_KB, 8 * FA_KB) \
    X(SWIGLU,       swiglu,      16 * FA_KB, 8 * FA_KB) \
    X(GEGLU,        geglu,        8 * FA_KB, 2 * FA_KB) \
    X(GEGLU_TANH,   geglu_tanh,   8 * FA_KB, 4 * FA_KB) \
    X(REGLU,        reglu,       32 * FA_KB, 16 * FA_KB)

/* Channel ops: y = op(x; w[c]) with one parameter per channel, x laid out as
 * (outer, channels, inner) (PyTorch's channel axis 1); each run of `inner`
 * elements of one channel goes through the kernel of an elementwise op
 * with that channel's parameter (channel.c).
 *   X(ENUM, name, MAP_ENUM)   MAP_ENUM: the elementwise op whose kernel runs
 *                             (grains and kernels are that op's) */
/*     ENUM    name    map op */
#define FA_CHANNEL_OPS(X) \
    X(PRELU,   prelu,  LEAKY_RELU)
/* Backward (gradient) ops, family "map2": two array inputs, dx[i] =
 * f(dy[i], x[i]; params) with x the op's input (or, for sigmoid and tanh,
 * its output y), algorithms fa_<name>_gf(dy, x, pp) / fa_<name>_gd(...) in
 * kernels/fa_algo_grad.h, kernels in kernels/fa_grad.inc.h, driver map2.c:
 *   X(ENUM, name, nparams, grain_f32, grain_f64)
 * (no non-temporal variants).  Grains: those of the forward op of similar
 * cost (the float32 kernels of the smooth ops run compensated steps; mish
 * computes in float64). */
/*     ENUM                   name                  np  grain_f32   grain_f64 */
#define FA_MAP2_OPS(X)                                                           \
    X(RELU_BACKWARD,        relu_backward,        0, 32 * FA_KB, 16 * FA_KB)   \
    X(LEAKY_RELU_BACKWARD,  leaky_relu_backward,  1, 32 * FA_KB, 16 * FA_KB)   \
    X(SIGMOID_BACKWARD,     sigmoid_backward,     0, 32 * FA_KB, 16 * FA_KB)   \
    X(TANH_BACKWARD,        tanh_backward,        0, 32 * FA_KB, 16 * FA_KB)   \
    X(SILU_BACKWARD,        silu_backward,        0,  8 * FA_KB,  4 * FA_KB)   \
    X(GELU_BACKWARD,        gelu_backward,        0,  4 * FA_KB,  2 * FA_KB)   \
    X(GELU_TANH_BACKWARD,   gelu_tanh_backward,   0,  4 * FA_KB,  2 * FA_KB)   \
    X(SOFTPLUS_BACKWARD,    softplus_backward,    2,  8 * FA_KB,  4 * FA_KB)   \
    X(LOG_SIGMOID_BACKWARD, log_sigmoid_backward, 0,  8 * FA_KB,  4 * FA_KB)   \
    X(RELU6_BACKWARD,       relu6_backward,       0, 32 * FA_KB, 16 * FA_KB)   \
    X(HARDTANH_BACKWARD,    hardtanh_backward,    2, 32 * FA_KB, 16 * FA_KB)   \
    X(HARDSIGMOID_BACKWARD, hardsigmoid_backward, 0, 32 * FA_KB, 16 * FA_KB)   \
    X(HARDSWISH_BACKWARD,   hardswish_backward,   0, 32 * FA_KB, 16 * FA_KB)   \
    X(SOFTSIGN_BACKWARD,    softsign_backward,    0, 16 * FA_KB,  8 * FA_KB)   \
    X(ELU_BACKWARD,         elu_backward,         1,  8 * FA_KB,  4 * FA_KB)   \
    X(SELU_BACKWARD,        selu_backward,        0,  8 * FA_KB,  4 * FA_KB)   \
    X(CELU_BACKWARD,        celu_backward,        1,  8 * FA_KB,  4 * FA_KB)   \
    X(QUICK_GELU_BACKWARD,  quick_gelu_backward,  0,  8 * FA_KB,  4 * FA_KB)   \
    X(MISH_BACKWARD,        mish_backward,        0,  8 * FA_KB,  4 * FA_KB)

/* Row backward ops (family "rows2": dx from dy and the forward output y,
 * along the last axis of C-contiguous rows; kernels/fa_grad.inc.h, driver
 * rows2.c):  X(ENUM, name, grain_f32, grain_f64)   grains in elements */
#define FA_ROW2_OPS(X)                                                   \
    X(SOFTMAX_BACKWARD,     softmax_backward,     16 * FA_KB, 8 * FA_KB) \
    X(LOG_SOFTMAX_BACKWARD, log_softmax_backward, 16 * FA_KB, 8 * FA_KB)

#endif /* FA_OPS_H */
