/*
 * avx2.c - every fastact kernel for AVX2 + FMA, 8 floats / 4 doubles per vector.
 *
 * The ISA-specific code is vec_avx2.h (the primitives); the algorithms are
 * fa_algo_f32.h / fa_algo_f64.h and the loops fa_kernels.inc.h, shared by all
 * levels so that every level computes the same mathematics.
 */
#include "vec_avx2.h"
#define FA_ISA avx2
#include "fa_kernels.inc.h"
