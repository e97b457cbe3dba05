/*
 * sse2.c - every fastact kernel for SSE2, 4 floats / 2 doubles per vector, no FMA.
 *
 * The ISA-specific code is vec_sse2.h (the primitives); the algorithms are
 * fa_algo_f32.h / fa_algo_f64.h and the loops fa_kernels.inc.h, shared by all
 * levels so that every level computes the same mathematics.
 */
#include "vec_sse2.h"
#define FA_ISA sse2
#include "fa_kernels.inc.h"
