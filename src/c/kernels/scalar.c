/*
 * scalar.c - every fastact kernel for portable C, one lane (the readable specification; also the fallback on CPUs without a SIMD level).
 *
 * The ISA-specific code is vec_scalar.h (the primitives); the algorithms are
 * fa_algo_f32.h / fa_algo_f64.h and the loops fa_kernels.inc.h, shared by all
 * levels so that every level computes the same mathematics.
 */
#include "vec_scalar.h"
#define FA_ISA scalar
#include "fa_kernels.inc.h"
