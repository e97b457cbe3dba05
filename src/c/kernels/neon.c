/*
 * neon.c - every fastact kernel for AArch64 Advanced SIMD (NEON) with FMA, 4 floats / 2 doubles per vector.
 *
 * The ISA-specific code is vec_neon.h (the primitives); the algorithms are
 * fa_algo_f32.h / fa_algo_f64.h and the loops fa_kernels.inc.h, shared by all
 * levels so that every level computes the same mathematics.
 */
#include "vec_neon.h"
#define FA_ISA neon
#include "fa_kernels.inc.h"
