/*
 * channel.c - the driver of the channel ops (fa_ops.h FA_CHANNEL_OPS:
 * prelu): fa_channel() runs an elementwise op's kernel (prelu: leaky_relu's)
 * on each run of `inner` elements of one channel with that channel's
 * parameter, x laid out as (outer, channels, inner).
 *
 * Runs shorter than FA_CHANNEL_MIN_RUN (channels-last data such as (N, C):
 * inner = 1) go through a plain C loop of the same operation instead of one
 * kernel call per element.  prelu is exact (a comparison and one rounded
 * product, 16-bit data through float32, where the product of two 16-bit
 * values is exact, then rounded once), so both paths give the same bits.
 *
 * Threads split the outer * channels * inner elements into contiguous
 * ranges of 64-element multiples (parallel.c), with the grain of the
 * elementwise op; a range may start or end inside a run.
 */
#include <stdint.h>

#include "fa_internal.h"
#include "kernels/fa_half.h"

#define FA_CHANNEL_MIN_RUN ((size_t)16)
#define FA_CHANNEL_ALIGN ((size_t)64)

#define FA_X_CHANNEL_MAP(E, name, m) [FA_OP_##E] = FA_OP_##m,
static const int channel_map_op[FA_N_CHANNEL_OPS] = {FA_CHANNEL_OPS(FA_X_CHANNEL_MAP)};

typedef struct {
    int dtype;
    fa_map_kernel k;
    const char *x;
    char *y;
    size_t channels, inner, total, esize;
    const double *w;
    long nblocks;
} channel_job;

/* prelu on a short run: x > 0 ? x : x * s, s the parameter in the compute type */
static void prelu_short(int dtype, const char *x, char *y, size_t n, double s)
{
    size_t i;
    switch (dtype) {
    case FA_F32: {
        const float *a = (const float *)x;
        float *b = (float *)y, w = (float)s;
        for (i = 0; i < n; i++) b[i] = a[i] > 0.0f ? a[i] : a[i] * w;
        break;
    }
    case FA_F64: {
        const double *a = (const double *)x;
        double *b = (double *)y;
        for (i = 0; i < n; i++) b[i] = a[i] > 0.0 ? a[i] : a[i] * s;
        break;
    }
    case FA_F16: {
        const uint16_t *a = (const uint16_t *)x;
        uint16_t *b = (uint16_t *)y;
        float w = (float)s;
        for (i = 0; i < n; i++) {
            float v = fa_f16_to_f32(a[i]);
            b[i] = fa_f32_to_f16(v > 0.0f ? v : v * w);
        }
        break;
    }
    default: { /* FA_BF16 */
        const uint16_t *a = (const uint16_t *)x;
        uint16_t *b = (uint16_t *)y;
        float w = (float)s;
        for (i = 0; i < n; i++) {
            float v = fa_bf16_to_f32(a[i]);
            b[i] = fa_f32_to_bf16(v > 0.0f ? v : v * w);
        }
        break;
    }
    }
}

/* Elements [lo, hi), cut at the channel runs. */
static void channel_range(const channel_job *j, size_t lo, size_t hi)
{
    while (lo < hi) {
        size_t r = lo / j->inner, e = (r + 1) * j->inner;
        size_t c = r % j->channels;
        if (e > hi)
            e = hi;
        if (e - lo >= FA_CHANNEL_MIN_RUN) {
            fa_params p = {{j->w[c], 0.0, 0.0, 0.0}};
            j->k(j->x + lo * j->esize, j->y + lo * j->esize, e - lo, &p);
        } else {
            prelu_short(j->dtype, j->x + lo * j->esize, j->y + lo * j->esize, e - lo, j->w[c]);
        }
        lo = e;
    }
}

static void channel_block(void *ctx, long b)
{
    const channel_job *j = (const channel_job *)ctx;
    channel_range(j, fa_block_lo(b, j->nblocks, j->total, FA_CHANNEL_ALIGN),
                  fa_block_lo(b + 1, j->nblocks, j->total, FA_CHANNEL_ALIGN));
}

void fa_channel(int op, int dtype, const void *x, void *y, size_t outer, size_t channels, size_t inner,
                const double *w, int nthreads)
{
    channel_job j;
    size_t grain;
    int mop;
    fa_team team;
    if (op < 0 || op >= FA_N_CHANNEL_OPS || dtype < 0 || dtype >= FA_N_DTYPES || outer == 0 || channels == 0 ||
        inner == 0 || w == NULL)
        return;
    if (outer > SIZE_MAX / channels || outer * channels > SIZE_MAX / inner)
        return;
    fa_threads_init();
    mop = channel_map_op[op];
    j.dtype = dtype;
    j.k = fa_kernels()->map[dtype][mop];
    j.x = (const char *)x;
    j.y = (char *)y;
    j.channels = channels;
    j.inner = inner;
    j.total = outer * channels * inner;
    j.esize = fa_dtype_size(dtype);
    j.w = w;
    grain = fa_grain_map(mop, dtype);
    if (j.total < 2 * grain) {
        channel_range(&j, 0, j.total);
        return;
    }
    team = fa_team_begin(fa_plan_threads(j.total, grain, nthreads));
    if (team.threads <= 1) {
        channel_range(&j, 0, j.total);
    } else {
        j.nblocks = fa_split_blocks(j.total, 1, team.threads, grain);
        fa_run_blocks(team.threads, j.nblocks, channel_block, &j);
    }
    fa_team_end(team);
}
