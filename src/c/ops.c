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

const char *fa_op_name(int family, int op)
{
    if (family == FA_FAMILY_MAP && op >= 0 && op < FA_N_MAP_OPS)
        return map_names[op];
    if (family == FA_FAMILY_ROWS && op >= 0 && op < FA_N_ROW_OPS)
        return row_names[op];
    return NULL;
}

int fa_op_nparams(int op)
{
    return op >= 0 && op < FA_N_MAP_OPS ? map_nparams[op] : -1;
}
