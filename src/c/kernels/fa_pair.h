/*
 * fa_pair.h - pair loads and stores: two vectors at once, for the 2x
 * unrolled loops of fa_kernels.inc.h (elementwise) and fa_grad.inc.h
 * (elementwise backward).  Included after vec_<isa>.h.
 */
#ifndef FA_PAIR_H
#define FA_PAIR_H

#include <stdint.h>

/* A pair may hold its elements in another order than two single loads
 * would (vec_avx2.h's bfloat16 pair does), as long as the pair store
 * restores it and every input of a lane-wise computation is loaded by the
 * same pair load (the backward kernels' dy and x): every lane is computed
 * alike, so results do not change.  An ISA header that has its own defines
 * FA_V<x>_PAIR_<io>; these are the defaults, two single loads / stores. */
#define FA_PAIR_DEFAULTS(V, T, N, IO)                                                        \
    static inline void V##_load2##IO(const T *p, V *a, V *b)                                 \
    {                                                                                        \
        *a = V##_load##IO(p);                                                                \
        *b = V##_load##IO(p + N);                                                            \
    }                                                                                        \
    static inline void V##_store2##IO(T *p, V a, V b)                                        \
    {                                                                                        \
        V##_store##IO(p, a);                                                                 \
        V##_store##IO(p + N, b);                                                             \
    }                                                                                        \
    static inline void V##_stream2##IO(T *p, V a, V b)                                       \
    {                                                                                        \
        V##_stream##IO(p, a);                                                                \
        V##_stream##IO(p + N, b);                                                            \
    }
FA_PAIR_DEFAULTS(vf, float, VF_N, )
FA_PAIR_DEFAULTS(vd, double, VD_N, )
FA_PAIR_DEFAULTS(vf, uint16_t, VF_N, _f16)
#ifndef FA_VF_PAIR_BF16
FA_PAIR_DEFAULTS(vf, uint16_t, VF_N, _bf16)
#endif

#endif /* FA_PAIR_H */
