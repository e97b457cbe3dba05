/*
 * avx512.c - every fastact kernel for AVX-512 F/DQ/BW/VL, 16 floats / 8 doubles per vector, masked tails, scalef.
 *
 * The ISA-specific code is vec_avx512.h (the primitives); the algorithms are
 * fa_algo_f32.h / fa_algo_f64.h and the loops fa_kernels.inc.h, shared by all
 * levels so that every level computes the same mathematics.
 */
#include "vec_avx512.h"
#define FA_ISA avx512
#include "fa_kernels.inc.h"
