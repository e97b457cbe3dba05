/*
 * scalar_grad.c - the backward kernels (fa_ops.h FA_MAP2_OPS, FA_ROW2_OPS) for
 * the scalar level: the primitives of vec_scalar.h, the algorithms of
 * fa_algo_grad.h, the loops of fa_grad.inc.h (shared by every level).
 */
#include "vec_scalar.h"
#define FA_ISA scalar
#include "fa_grad.inc.h"
