/*
 * xcheck_main.c - a job runner for tools/check_aarch64.py: runs kernels of
 * the C library (built for another architecture, under qemu-user) on inputs
 * sent by the Python checker and sends the outputs back.
 *
 *   xcheck --list     one line per level ("isa <id> <name> <compiled> <supported>"),
 *                     per element type ("dtype <id> <name> <bytes>"),
 *                     per op ("map <id> <name> <ENUM> <nparams>", "row <id> <name> <ENUM>",
 *                     "gated <id> <name> <ENUM>", the backward ops
 *                     "map2 <id> <name> <ENUM> <nparams>", "row2 <id> <name> <ENUM>")
 *                     and "active <name>" (the level fa_init chose)
 *   xcheck            jobs on stdin, results on stdout, until EOF
 *
 * Job: struct xc_job, then rows*cols elements of x (native byte order).
 * Result: struct xc_res, then rows*cols elements of y (XC_GATED: rows*cols/2,
 * x being rows blocks of cols = 2n elements, a and b their halves).
 * XC_GATED_BWD: the job's data is x (rows*cols) followed by dy (rows*cols/2);
 * y is dx (rows*cols).  The backward kinds (XC_MAP2: fa_map2, XC_ROWS2:
 * fa_rows2) send 2*rows*cols elements, dy then x (or y), and in place means
 * dx == dy.
 * The runner also checks what the Python side cannot see: that a kernel
 * writes nothing outside y[0 .. rows*cols-1] (guard zones before and after)
 * and that an out-of-place call leaves x unchanged.
 *
 * Every call into the library is in the block marked API ADAPTER below: when
 * the C API changes, only that block needs adapting.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fa_internal.h" /* fastact.h, and the kernel table for the non-temporal kernels */

enum { XC_MAP = 0, XC_MAP_NT = 1, XC_ROWS = 2, XC_GATED = 3, XC_GATED_BWD = 4, XC_MAP2 = 5, XC_ROWS2 = 6 };

struct xc_job {
    int32_t magic; /* 'FAXJ' */
    int32_t kind;  /* XC_MAP: fa_map; XC_MAP_NT: the non-temporal kernel itself; XC_ROWS: fa_rows;
                      XC_GATED: fa_gated (rows blocks of cols = 2n) */
    int32_t op;    /* map or row op id, as listed by --list */
    int32_t dtype; /* element type id, as listed by --list */
    int32_t isa;   /* level to switch to first */
    int32_t nthreads;
    int32_t offset;  /* x (and y) start this many elements past a 64-byte boundary */
    int32_t inplace; /* y == x */
    uint64_t rows, cols; /* XC_MAP*: rows == 1, n = cols */
    double params[4];    /* the kernel parameters p->v[0..3] (fa_params) */
};
struct xc_res {
    int32_t magic;  /* 'FAXR' */
    int32_t active; /* level that was active for the call */
    int32_t guard_bad; /* bytes written outside y */
    int32_t x_changed; /* out of place: elements of x modified */
};
_Static_assert(sizeof(struct xc_job) == 80, "job header layout");

/* ======================= API ADAPTER (begin) ======================= */
#define XC_NAME(E, name, ...) #name,
#define XC_ENUM(E, name, ...) #E,
static const char *const xc_map_names[] = {FA_MAP_OPS(XC_NAME)};
static const char *const xc_map_enums[] = {FA_MAP_OPS(XC_ENUM)};
static const char *const xc_row_names[] = {FA_ROW_OPS(XC_NAME)};
static const char *const xc_row_enums[] = {FA_ROW_OPS(XC_ENUM)};
static const char *const xc_gated_names[] = {FA_GATED_OPS(XC_NAME)};
static const char *const xc_gated_enums[] = {FA_GATED_OPS(XC_ENUM)};
static const char *const xc_map2_names[] = {FA_MAP2_OPS(XC_NAME)};
static const char *const xc_map2_enums[] = {FA_MAP2_OPS(XC_ENUM)};
static const char *const xc_row2_names[] = {FA_ROW2_OPS(XC_NAME)};
static const char *const xc_row2_enums[] = {FA_ROW2_OPS(XC_ENUM)};
#define XC_N_MAP FA_N_MAP_OPS
#define XC_N_ROW FA_N_ROW_OPS
#define XC_N_GATED FA_N_GATED_OPS
#define XC_N_MAP2 FA_N_MAP2_OPS
#define XC_N_ROW2 FA_N_ROW2_OPS
static int xc_nparams2(int op) { return fa_op2_nparams(op); }
#define XC_N_ISA FA_N_ISA
_Static_assert(sizeof xc_map_names / sizeof *xc_map_names == FA_N_MAP_OPS, "map op list");
_Static_assert(sizeof ((fa_params *)0)->v == 4 * sizeof(double), "fa_params holds the job's 4 parameters");

static void xc_init(void) { fa_init(); }
static const char *xc_isa_name(int level) { return fa_isa_name(level); }
static int xc_isa_active(void) { return fa_isa_active(); }
static int xc_isa_set(int level) { return fa_isa_set(level); }
static unsigned xc_isa_compiled(void) { return fa_isa_compiled(); }
static unsigned xc_isa_supported(void) { return fa_isa_supported(); }
static int xc_nparams(int op) { return fa_op_nparams(op); }
#define XC_N_DTYPES FA_N_DTYPES
static const char *const xc_dtype_names[] = {"f32", "f64", "f16", "bf16"}; /* FA_F32, FA_F64, FA_F16, FA_BF16 */
_Static_assert(FA_N_DTYPES == 4 && FA_F32 == 0 && FA_F64 == 1 && FA_F16 == 2 && FA_BF16 == 3, "dtype ids");
static size_t xc_dtype_size(int dtype) { return fa_dtype_size(dtype); }

static void xc_call(const struct xc_job *j, const void *x, void *y)
{
    int dtype = j->dtype;
    size_t n = (size_t)(j->rows * j->cols);
    fa_params p;
    memcpy(p.v, j->params, sizeof p.v);
    if (j->kind == XC_MAP)
        fa_map(j->op, dtype, x, y, n, &p, j->nthreads);
    else if (j->kind == XC_MAP_NT)
        fa_kernels()->map_nt[dtype][j->op](x, y, n, &p);
    else if (j->kind == XC_GATED)
        fa_gated(j->op, dtype, x, y, (size_t)j->rows, (size_t)j->cols / 2, j->nthreads);
    else if (j->kind == XC_GATED_BWD)
        fa_gated_backward(j->op, dtype, (const char *)x + n * fa_dtype_size(dtype), x, y, (size_t)j->rows,
                          (size_t)j->cols / 2, j->nthreads);
    else if (j->kind == XC_MAP2)
        fa_map2(j->op, dtype, x, (const char *)x + n * fa_dtype_size(dtype), y, n, &p, j->nthreads);
    else if (j->kind == XC_ROWS2)
        fa_rows2(j->op, dtype, x, (const char *)x + n * fa_dtype_size(dtype), y, (size_t)j->rows,
                 (size_t)j->cols, j->nthreads);
    else
        fa_rows(j->op, dtype, x, y, (size_t)j->rows, (size_t)j->cols, j->nthreads);
}
/* ======================== API ADAPTER (end) ======================== */

#define XC_GUARD 256 /* bytes of guard zone on each side */

static int read_full(void *p, size_t n)
{
    return fread(p, 1, n, stdin) == n;
}

static int list(void)
{
    xc_init();
    unsigned c = xc_isa_compiled(), s = xc_isa_supported();
    for (int i = 0; i < XC_N_ISA; i++)
        printf("isa %d %s %u %u\n", i, xc_isa_name(i), (c >> i) & 1u, (s >> i) & 1u);
    for (int i = 0; i < XC_N_DTYPES; i++) printf("dtype %d %s %zu\n", i, xc_dtype_names[i], xc_dtype_size(i));
    for (int i = 0; i < XC_N_MAP; i++) printf("map %d %s %s %d\n", i, xc_map_names[i], xc_map_enums[i], xc_nparams(i));
    for (int i = 0; i < XC_N_ROW; i++) printf("row %d %s %s\n", i, xc_row_names[i], xc_row_enums[i]);
    for (int i = 0; i < XC_N_GATED; i++) printf("gated %d %s %s\n", i, xc_gated_names[i], xc_gated_enums[i]);
    for (int i = 0; i < XC_N_MAP2; i++)
        printf("map2 %d %s %s %d\n", i, xc_map2_names[i], xc_map2_enums[i], xc_nparams2(i));
    for (int i = 0; i < XC_N_ROW2; i++) printf("row2 %d %s %s\n", i, xc_row2_names[i], xc_row2_enums[i]);
    printf("active %s\n", xc_isa_name(xc_isa_active()));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) return list();
    if (argc != 1) {
        fprintf(stderr, "usage: xcheck [--list] (jobs on stdin)\n");
        return 2;
    }
    xc_init();
    struct xc_job j;
    unsigned char *xb = NULL, *yb = NULL, *x0 = NULL;
    size_t cap = 0;
    while (read_full(&j, sizeof j)) {
        if (j.magic != 0x4A584146 || j.dtype < 0 || j.dtype >= XC_N_DTYPES || j.offset < 0 || j.offset > 64 ||
            j.kind < 0 || j.kind > XC_ROWS2 ||
            (j.kind == XC_ROWS                                 ? j.op >= XC_N_ROW
             : (j.kind == XC_GATED || j.kind == XC_GATED_BWD) ? j.op >= XC_N_GATED
             : j.kind == XC_MAP2                               ? j.op >= XC_N_MAP2
             : j.kind == XC_ROWS2                              ? j.op >= XC_N_ROW2
                                                               : j.op >= XC_N_MAP) ||
            j.op < 0 || ((j.kind == XC_GATED || j.kind == XC_GATED_BWD) && (j.inplace || j.cols % 2))) {
            fprintf(stderr, "xcheck: bad job header\n");
            return 1;
        }
        size_t esz = xc_dtype_size(j.dtype), n = (size_t)(j.rows * j.cols), bytes = n * esz;
        size_t ybytes = j.kind == XC_GATED ? bytes / 2 : bytes; /* what y holds */
        size_t inbytes = j.kind == XC_GATED_BWD                       ? bytes + bytes / 2 /* x, dy */
                         : (j.kind == XC_MAP2 || j.kind == XC_ROWS2) ? 2 * bytes        /* dy, x */
                                                                     : bytes;
        size_t need = inbytes + 64 + 64 * 8 + 2 * XC_GUARD;
        if (need > cap) {
            free(xb), free(yb), free(x0);
            xb = aligned_alloc(64, (need + 63) & ~(size_t)63);
            yb = aligned_alloc(64, (need + 63) & ~(size_t)63);
            x0 = malloc(inbytes ? inbytes : 1);
            if (!xb || !yb || !x0) {
                fprintf(stderr, "xcheck: out of memory\n");
                return 1;
            }
            cap = need;
        }
        /* x and y start `offset` elements past a 64-byte boundary, after a guard zone */
        size_t start = XC_GUARD + (size_t)j.offset * esz;
        unsigned char *x = xb + start, *y = j.inplace ? x : yb + start;
        memset(xb, 0xA5, need);
        memset(yb, 0xA5, need);
        if (!read_full(x, inbytes)) {
            fprintf(stderr, "xcheck: short input\n");
            return 1;
        }
        memcpy(x0, x, inbytes);
        struct xc_res r = {0x52584146, 0, 0, 0};
        xc_isa_set(j.isa);
        r.active = xc_isa_active();
        if (n) xc_call(&j, x, y); /* fa_rows with rows*cols == 0 is never called */
        unsigned char *yz = j.inplace ? xb : yb;
        for (size_t i = 0; i < start; i++) r.guard_bad += yz[i] != 0xA5;
        /* in place, y is the first n elements of x's buffer: the rest of the input (x of a
         * backward job) must be unchanged too */
        for (size_t i = start + (j.inplace ? inbytes : ybytes); i < need; i++) r.guard_bad += yz[i] != 0xA5;
        if (j.inplace) {
            for (size_t i = n; i < inbytes / esz; i++) r.x_changed += memcmp(x + i * esz, x0 + i * esz, esz) != 0;
        } else {
            for (size_t i = 0; i < need; i++)
                if (i < start || i >= start + inbytes) r.guard_bad += xb[i] != 0xA5;
            for (size_t i = 0; i < inbytes / esz; i++)
                r.x_changed += memcmp(x + i * esz, x0 + i * esz, esz) != 0;
        }
        if (fwrite(&r, sizeof r, 1, stdout) != 1 || fwrite(y, 1, ybytes, stdout) != ybytes) return 1;
        fflush(stdout);
    }
    free(xb), free(yb), free(x0);
    return 0;
}
