/*
 * neon_grad.c - the backward kernels (fa_ops.h FA_MAP2_OPS, FA_ROW2_OPS) for
 * the neon level: the primitives of vec_neon.h, the algorithms of
 * fa_algo_grad.h, the loops of fa_grad.inc.h (shared by every level).
 */
#include "vec_neon.h"
#define FA_ISA neon
#include "fa_grad.inc.h"
