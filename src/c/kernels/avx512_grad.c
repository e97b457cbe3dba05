/*
 * avx512_grad.c - the backward kernels (fa_ops.h FA_MAP2_OPS, FA_ROW2_OPS) for
 * the avx512 level: the primitives of vec_avx512.h, the algorithms of
 * fa_algo_grad.h, the loops of fa_grad.inc.h (shared by every level).
 */
#include "vec_avx512.h"
#define FA_ISA avx512
#include "fa_grad.inc.h"
