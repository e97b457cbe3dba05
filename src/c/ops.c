/*
 * ops.c - the op registry (fa_ops.h) as data: names and parameter counts,
 * for callers that want to list the ops (the tests compare them with the
 * Python registry).
 */
#include "fastact.h"

#define FA_X_MAP_NAME(E, name, np, g32, g64, nt) #E,
#define FA_X_MAP_NP(E, name, np, g32, g64, nt) np,
#define FA_X_ROW_NAME(E, name, g32, g64) #E,
static const char *const map_names[FA_N_MAP_OPS] = {FA_MAP_OPS(FA_X_MAP_NAME)};
static const int map_nparams[FA_N_MAP_OPS] = {FA_MAP_OPS(FA_X_MAP_NP)};
static const char *const row_names[FA_N_ROW_OPS] = {FA_ROW_OPS(FA_X_ROW_NAME)};
#define FA_X_GATED_NAME(E, name, g32, g64) #E,
static const char *const gated_names[FA_N_GATED_OPS] = {FA_GATED_OPS(FA_X_GATED_NAME)};
#define FA_X_CHANNEL_NAME(E, name, m) #E,
static const char *const channel_names[FA_N_CHANNEL_OPS] = {FA_CHANNEL_OPS(FA_X_CHANNEL_NAME)};
#define FA_X_MAP2_NAME(E, name, np, g32, g64) #E,
#define FA_X_MAP2_NP(E, name, np, g32, g64) np,
static const char *const map2_names[FA_N_MAP2_OPS] = {FA_MAP2_OPS(FA_X_MAP2_NAME)};
static const int map2_nparams[FA_N_MAP2_OPS] = {FA_MAP2_OPS(FA_X_MAP2_NP)};
static const char *const row2_names[FA_N_ROW2_OPS] = {FA_ROW2_OPS(FA_X_ROW_NAME)};

const char *fa_op_name(int family, int op)
{
    if (family == FA_FAMILY_MAP && op >= 0 && op < FA_N_MAP_OPS)
        return map_names[op];
    if (family == FA_FAMILY_ROWS && op >= 0 && op < FA_N_ROW_OPS)
        return row_names[op];
    if (family == FA_FAMILY_GATED && op >= 0 && op < FA_N_GATED_OPS)
        return gated_names[op];
    if (family == FA_FAMILY_CHANNEL && op >= 0 && op < FA_N_CHANNEL_OPS)
        return channel_names[op];
    if (family == FA_FAMILY_MAP2 && op >= 0 && op < FA_N_MAP2_OPS)
        return map2_names[op];
    if (family == FA_FAMILY_ROWS2 && op >= 0 && op < FA_N_ROW2_OPS)
        return row2_names[op];
    return NULL;
}

int fa_op_nparams(int op)
{
    return op >= 0 && op < FA_N_MAP_OPS ? map_nparams[op] : -1;
}

int fa_op2_nparams(int op)
{
    return op >= 0 && op < FA_N_MAP2_OPS ? map2_nparams[op] : -1;
}
