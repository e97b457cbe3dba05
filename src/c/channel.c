/*
 * channel.c - the driver of the channel ops (fa_ops.h FA_CHANNEL_OPS:
 * prelu): fa_channel() runs an elementwise op's kernel (prelu: leaky_relu's)
 * on each run of `inner` elements of one channel with that channel's
 * parameter, x laid out as (outer, channels, inner).
 *
 * Runs of FA_CHANNEL_MIN_RUN or more elements call the elementwise kernel
 * (its non-temporal-store variant for large out-of-place outputs, as fa_map
 * picks it).  Shorter runs (channels-last data such as (N, C): inner = 1)
 * call the op's kernel with one weight per element (kernels/fa_gated.inc.h)
 * on segments of a small tiled copy of the weights (channel_weights), many
 * runs per call; without memory for that copy, a plain C loop per run.
 * prelu is exact (a comparison and one rounded product, 16-bit data through
 * float32, where the product of two 16-bit values is exact, then rounded
 * once), so every path gives the same bits.
 *
 * Threads split the outer * channels * inner elements into contiguous
 * ranges of 64-element multiples (parallel.c), with the grain of the
 * elementwise op; a range may start or end inside a run.
 */
#include <stdint.h>
#include <stdlib.h>

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
    fa_gated_kernel kw; /* short runs: the kernel with one weight per element, on wt */
    const char *wt;     /* the weight of each element of one period (channels * inner
                         * elements), tiled to wlen elements; NULL: prelu_short per run */
    size_t period, wlen;
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
    if (j->wt != NULL) { /* short runs: segments of the tiled weights */
        while (lo < hi) {
            size_t off = lo % j->period, m = j->wlen - off;
            if (m > hi - lo)
                m = hi - lo;
            j->kw(j->x + lo * j->esize, j->wt + off * j->esize, j->y + lo * j->esize, m);
            lo += m;
        }
        return;
    }
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

/* For short runs: the weight of each element of one period (channels * inner
 * elements) in the data's dtype (the weights are already rounded to it, so
 * the conversion is exact), tiled to >= FA_CHANNEL_TILE elements, so that one
 * kernel call covers many runs; NULL without memory (the per-run loop). */
#define FA_CHANNEL_TILE ((size_t)256)

static const char *channel_weights(channel_job *j, int op)
{
    size_t e, c, period = j->channels * j->inner;
    size_t wlen = period * ((FA_CHANNEL_TILE + period - 1) / period);
    char *wt = (char *)malloc(wlen * j->esize);
    if (wt == NULL)
        return NULL;
    for (e = 0; e < wlen; e++) {
        c = (e % period) / j->inner;
        switch (j->dtype) {
        case FA_F32:
            ((float *)wt)[e] = (float)j->w[c];
            break;
        case FA_F64:
            ((double *)wt)[e] = j->w[c];
            break;
        case FA_F16:
            ((uint16_t *)wt)[e] = fa_f32_to_f16((float)j->w[c]);
            break;
        default:
            ((uint16_t *)wt)[e] = fa_f32_to_bf16((float)j->w[c]);
            break;
        }
    }
    j->kw = fa_kernels()->chan[j->dtype][op];
    j->period = period;
    j->wlen = wlen;
    return wt;
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
    if (op < 0 || op >= FA_N_CHANNEL_OPS || dtype < 0 || dtype >= FA_N_DTYPES || outer == 0 || channels == 0 ||
        inner == 0 || w == NULL)
        return;
    if (outer > SIZE_MAX / channels || outer * channels > SIZE_MAX / inner)
        return;
    fa_threads_init();
    mop = channel_map_op[op];
    j.dtype = dtype;
    j.x = (const char *)x;
    j.y = (char *)y;
    j.channels = channels;
    j.inner = inner;
    j.total = outer * channels * inner;
    j.esize = fa_dtype_size(dtype);
    j.w = w;
    j.wt = NULL;
    grain = fa_grain_map(mop, dtype);
    j.k = fa_map_pick(mop, dtype, x, y, j.total);
    if (inner < FA_CHANNEL_MIN_RUN)
        j.wt = channel_weights(&j, op);
    fa_run_split(j.total, grain, nthreads, channel_block, &j.nblocks, &j);
    free((void *)j.wt);
}

/* ---- prelu_backward ----
 * dx = x > 0 ? dy : w[c] * dy (one rounding), and per channel
 * dw[c] = sum of x * dy over the elements with x <= 0, each product and the
 * sum in double (float32 and 16-bit data: every product exact), so dw is
 * rounded once by the caller.  The sum runs over fixed blocks of
 * FA_PRELU_BWD_BLOCK elements (each with its own partial sums per channel,
 * four interleaved accumulators in a fixed order; channels-last data: one
 * per element, in element order), added in block order; channels-last data
 * with >= FA_PRELU_BWD_CB / 4 channels instead splits the channels into
 * blocks of FA_PRELU_BWD_CB, each summed over the rows in order.  Either
 * way the result does not depend on the thread count. */
#define FA_PRELU_BWD_BLOCK ((size_t)16384)

typedef struct {
    int dtype;
    const char *dy, *x;
    char *dx;
    size_t channels, inner, total, esize, nb;
    const double *w;
    double *part; /* nb x channels partial sums (block split) */
    double *dw;   /* the result (channel split) */
} prelu_bwd_job;

static inline double fa_load_as_double(int dtype, const char *p, size_t i)
{
    switch (dtype) {
    case FA_F32:
        return (double)((const float *)p)[i];
    case FA_F64:
        return ((const double *)p)[i];
    case FA_F16:
        return (double)fa_f16_to_f32(((const uint16_t *)p)[i]);
    default:
        return (double)fa_bf16_to_f32(((const uint16_t *)p)[i]);
    }
}

/* One run [lo, hi) of channel c: dx, and the run's sum of x * dy where x <= 0
 * (each element read before its dx is written: dx may be dy or x). */
static double prelu_bwd_run(const prelu_bwd_job *j, size_t lo, size_t hi, size_t c)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = lo;
    const double w = j->w[c];
    switch (j->dtype) {
    case FA_F32: {
        const float *g = (const float *)j->dy, *x = (const float *)j->x;
        float *d = (float *)j->dx, wf = (float)w;
        for (; i + 4 <= hi; i += 4) {
            s0 += x[i] > 0.0f ? 0.0 : (double)x[i] * (double)g[i];
            s1 += x[i + 1] > 0.0f ? 0.0 : (double)x[i + 1] * (double)g[i + 1];
            s2 += x[i + 2] > 0.0f ? 0.0 : (double)x[i + 2] * (double)g[i + 2];
            s3 += x[i + 3] > 0.0f ? 0.0 : (double)x[i + 3] * (double)g[i + 3];
            d[i] = x[i] > 0.0f ? g[i] : wf * g[i];
            d[i + 1] = x[i + 1] > 0.0f ? g[i + 1] : wf * g[i + 1];
            d[i + 2] = x[i + 2] > 0.0f ? g[i + 2] : wf * g[i + 2];
            d[i + 3] = x[i + 3] > 0.0f ? g[i + 3] : wf * g[i + 3];
        }
        for (; i < hi; i++) {
            s0 += x[i] > 0.0f ? 0.0 : (double)x[i] * (double)g[i];
            d[i] = x[i] > 0.0f ? g[i] : wf * g[i];
        }
        break;
    }
    case FA_F64: {
        const double *g = (const double *)j->dy, *x = (const double *)j->x;
        double *d = (double *)j->dx;
        for (; i + 4 <= hi; i += 4) {
            s0 += x[i] > 0.0 ? 0.0 : x[i] * g[i];
            s1 += x[i + 1] > 0.0 ? 0.0 : x[i + 1] * g[i + 1];
            s2 += x[i + 2] > 0.0 ? 0.0 : x[i + 2] * g[i + 2];
            s3 += x[i + 3] > 0.0 ? 0.0 : x[i + 3] * g[i + 3];
            d[i] = x[i] > 0.0 ? g[i] : w * g[i];
            d[i + 1] = x[i + 1] > 0.0 ? g[i + 1] : w * g[i + 1];
            d[i + 2] = x[i + 2] > 0.0 ? g[i + 2] : w * g[i + 2];
            d[i + 3] = x[i + 3] > 0.0 ? g[i + 3] : w * g[i + 3];
        }
        for (; i < hi; i++) {
            s0 += x[i] > 0.0 ? 0.0 : x[i] * g[i];
            d[i] = x[i] > 0.0 ? g[i] : w * g[i];
        }
        break;
    }
    default: { /* 16-bit: in float32 (products exact), dx rounded once */
        uint16_t *d = (uint16_t *)j->dx;
        float wf = (float)w;
        for (; i < hi; i++) {
            float xv = (float)fa_load_as_double(j->dtype, j->x, i);
            float gv = (float)fa_load_as_double(j->dtype, j->dy, i);
            float r = xv > 0.0f ? gv : wf * gv;
            s0 += xv > 0.0f ? 0.0 : (double)xv * (double)gv;
            d[i] = j->dtype == FA_F16 ? fa_f32_to_f16(r) : fa_f32_to_bf16(r);
        }
        break;
    }
    }
    return (s0 + s1) + (s2 + s3);
}

/* Channels-last segment (inner == 1): m elements from element lo, channels
 * c.., pc = their partial sums (pc[i] += the element's product: the same sums,
 * in the same order, as one run per element); one loop, vectorised. */
static void prelu_bwd_seg(const prelu_bwd_job *j, size_t lo, size_t m, size_t c, double *pc)
{
    size_t i;
    const double *wc = j->w + c;
    if (j->dtype == FA_F32) {
        const float *g = (const float *)j->dy + lo, *x = (const float *)j->x + lo;
        float *d = (float *)j->dx + lo;
        for (i = 0; i < m; i++) {
            float xv = x[i], gv = g[i], q = (float)wc[i] * gv;
            double pr = (double)xv * (double)gv;
            pc[i] += xv > 0.0f ? 0.0 : pr;
            d[i] = xv > 0.0f ? gv : q;
        }
    } else if (j->dtype == FA_F64) {
        const double *g = (const double *)j->dy + lo, *x = (const double *)j->x + lo;
        double *d = (double *)j->dx + lo;
        for (i = 0; i < m; i++) {
            double xv = x[i], gv = g[i], q = wc[i] * gv, pr = xv * gv;
            pc[i] += xv > 0.0 ? 0.0 : pr;
            d[i] = xv > 0.0 ? gv : q;
        }
    } else {
        for (i = 0; i < m; i++)
            pc[i] += prelu_bwd_run(j, lo + i, lo + i + 1, c + i);
    }
}

/* The channel split (channels-last data with many channels): block b is the
 * channels [b CB, (b + 1) CB) of every row, summed in row order straight into
 * dw: no partial sums per block (which would take blocks x channels doubles). */
#define FA_PRELU_BWD_CB ((size_t)1024)

static void prelu_bwd_cblock(void *ctx, long b)
{
    const prelu_bwd_job *j = (const prelu_bwd_job *)ctx;
    size_t c0 = (size_t)b * FA_PRELU_BWD_CB, r, rows = j->total / j->channels;
    size_t m = j->channels - c0 < FA_PRELU_BWD_CB ? j->channels - c0 : FA_PRELU_BWD_CB;
    for (r = 0; r < rows; r++)
        prelu_bwd_seg(j, r * j->channels + c0, m, c0, j->dw + c0);
}

static void prelu_bwd_block(void *ctx, long b)
{
    const prelu_bwd_job *j = (const prelu_bwd_job *)ctx;
    size_t lo = (size_t)b * FA_PRELU_BWD_BLOCK, hi = lo + FA_PRELU_BWD_BLOCK;
    double *part = j->part + (size_t)b * j->channels;
    size_t c;
    if (hi > j->total)
        hi = j->total;
    for (c = 0; c < j->channels; c++)
        part[c] = 0.0;
    if (j->inner == 1) { /* channels-last: one loop per row segment */
        for (c = lo % j->channels; lo < hi; c = 0) {
            size_t m = j->channels - c < hi - lo ? j->channels - c : hi - lo;
            prelu_bwd_seg(j, lo, m, c, part + c);
            lo += m;
        }
        return;
    }
    while (lo < hi) {
        size_t r = lo / j->inner, e = (r + 1) * j->inner;
        if (e > hi)
            e = hi;
        c = r % j->channels;
        part[c] += prelu_bwd_run(j, lo, e, c);
        lo = e;
    }
}

/* nblocks blocks of the job, with a team sized by its work (fa_plan_threads:
 * serial below two grains); any split gives the same results. */
static void prelu_bwd_blocks(prelu_bwd_job *j, long nblocks, fa_block_fn fn, size_t grain, int nthreads)
{
    long b;
    fa_team team = fa_team_begin(fa_plan_threads(j->total, grain, nthreads));
    if (team.threads <= 1 || nblocks < 2) {
        for (b = 0; b < nblocks; b++)
            fn(j, b);
    } else {
        fa_run_blocks(team.threads, nblocks, fn, j);
    }
    fa_team_end(team);
}

int fa_prelu_backward(int dtype, const void *dy, const void *x, void *dx, size_t outer, size_t channels,
                      size_t inner, const double *w, double *dw, int nthreads)
{
    prelu_bwd_job j;
    size_t grain, b, c;
    if (dtype < 0 || dtype >= FA_N_DTYPES || w == NULL || dw == NULL)
        return -1;
    for (c = 0; c < channels; c++)
        dw[c] = 0.0;
    if (outer == 0 || channels == 0 || inner == 0)
        return 0;
    if (outer > SIZE_MAX / channels || outer * channels > SIZE_MAX / inner)
        return -1;
    fa_threads_init();
    j.dtype = dtype;
    j.dy = (const char *)dy;
    j.x = (const char *)x;
    j.dx = (char *)dx;
    j.channels = channels;
    j.inner = inner;
    j.total = outer * channels * inner;
    j.esize = fa_dtype_size(dtype);
    j.w = w;
    j.dw = dw;
    grain = fa_grain_map(FA_OP_LEAKY_RELU, dtype);
    if (inner == 1 && channels >= FA_PRELU_BWD_CB / 4) { /* the channel split */
        prelu_bwd_blocks(&j, (long)((channels + FA_PRELU_BWD_CB - 1) / FA_PRELU_BWD_CB), prelu_bwd_cblock,
                         grain, nthreads);
        return 0;
    }
    j.nb = (j.total + FA_PRELU_BWD_BLOCK - 1) / FA_PRELU_BWD_BLOCK;
    if (j.nb > SIZE_MAX / channels / sizeof(double))
        return -2;
    j.part = (double *)malloc(j.nb * channels * sizeof(double));
    if (j.part == NULL)
        return -2;
    prelu_bwd_blocks(&j, (long)j.nb, prelu_bwd_block, grain, nthreads);
    for (b = 0; b < j.nb; b++) /* block order: the same sums for every thread count */
        for (c = 0; c < channels; c++)
            dw[c] += j.part[b * channels + c];
    free(j.part);
    return 0;
}
