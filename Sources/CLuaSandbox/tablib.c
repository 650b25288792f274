// table.insert, remove, move, concat, unpack and sort that stay under the
// call's limits.
//
// Lua's count hook never fires inside a C function, and these loop in C as
// many times as a script asks: table.move({}, 1, math.maxinteger - 1, 2),
// a __len of 2^53 under table.insert or table.remove, or table.concat of a
// table whose __index is a C function never returned, whatever the budget or
// the deadline. These versions follow Lua 5.4.4's ltablib.c (MIT licence,
// see lua.h) line for line, and charge every loop step to the call
// (lh_charge: a step counts as an instruction; the deadline and cancellation
// are checked every LH_CHARGE_EVERY steps).
//
// One other difference: sort never picks a "random" pivot from the clock
// (the stock one does after a badly unbalanced partition), so sorting is as
// reproducible as the rest of a policy.

#include "internal.h"

#include <lauxlib.h>
#include <limits.h>
#include <lualib.h>

#define TAB_R 1
#define TAB_W 2
#define TAB_L 4
#define TAB_RW (TAB_R | TAB_W)

// One step of a C loop; charges the call every LH_CHARGE_EVERY steps.
#define STEP(L, counter) do { if (++(counter) % LH_CHARGE_EVERY == 0) lh_charge((L), LH_CHARGE_EVERY); } while (0)

static int checkfield(lua_State *L, const char *key, int n) {
    lua_pushstring(L, key);
    return lua_rawget(L, -n) != LUA_TNIL;
}

// `arg` is a table or has the metamethods to behave like one.
static void checktab(lua_State *L, int arg, int what) {
    if (lua_type(L, arg) != LUA_TTABLE) {
        int n = 1;
        if (lua_getmetatable(L, arg) &&
            (!(what & TAB_R) || checkfield(L, "__index", ++n)) &&
            (!(what & TAB_W) || checkfield(L, "__newindex", ++n)) &&
            (!(what & TAB_L) || checkfield(L, "__len", ++n))) {
            lua_pop(L, n);
        } else {
            luaL_checktype(L, arg, LUA_TTABLE);
        }
    }
}

static lua_Integer aux_getn(lua_State *L, int n, int what) {
    checktab(L, n, what | TAB_L);
    return luaL_len(L, n);
}

static int tinsert(lua_State *L) {
    lua_Integer pos;
    lua_Integer e = aux_getn(L, 1, TAB_RW);
    e = (lua_Integer)((lua_Unsigned)e + 1u);   // first empty element
    switch (lua_gettop(L)) {
        case 2:
            pos = e;
            break;
        case 3: {
            unsigned steps = 0;
            pos = luaL_checkinteger(L, 2);
            luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
            for (lua_Integer i = e; i > pos; i--) {   // move up elements
                STEP(L, steps);
                lua_geti(L, 1, i - 1);
                lua_seti(L, 1, i);
            }
            break;
        }
        default:
            return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

static int tremove(lua_State *L) {
    unsigned steps = 0;
    lua_Integer size = aux_getn(L, 1, TAB_RW);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size) {
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
    }
    lua_geti(L, 1, pos);
    for (; pos < size; pos++) {
        STEP(L, steps);
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

static int tmove(lua_State *L) {
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    lua_Integer t = luaL_checkinteger(L, 4);
    int tt = !lua_isnoneornil(L, 5) ? 5 : 1;
    checktab(L, 1, TAB_R);
    checktab(L, tt, TAB_W);
    if (e >= f) {
        unsigned steps = 0;
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
            for (lua_Integer i = 0; i < n; i++) {
                STEP(L, steps);
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
            }
        } else {
            for (lua_Integer i = n - 1; i >= 0; i--) {
                STEP(L, steps);
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
            }
        }
    }
    lua_pushvalue(L, tt);
    return 1;
}

static void addfield(lua_State *L, luaL_Buffer *b, lua_Integer i) {
    lua_geti(L, 1, i);
    if (!lua_isstring(L, -1)) {
        luaL_error(L, "invalid value (%s) at index %I in table for 'concat'", luaL_typename(L, -1), (LUAI_UACINT)i);
    }
    luaL_addvalue(b);
}

static int tconcat(lua_State *L) {
    luaL_Buffer b;
    unsigned steps = 0;
    lua_Integer last = aux_getn(L, 1, TAB_R);
    size_t lsep;
    const char *sep = luaL_optlstring(L, 2, "", &lsep);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    last = luaL_optinteger(L, 4, last);
    luaL_buffinit(L, &b);
    for (; i < last; i++) {
        STEP(L, steps);
        addfield(L, &b, i);
        luaL_addlstring(&b, sep, lsep);
    }
    if (i == last) addfield(L, &b, i);
    luaL_pushresult(&b);
    return 1;
}

static int tunpack(lua_State *L) {
    unsigned steps = 0;
    lua_Integer i = luaL_optinteger(L, 2, 1);
    lua_Integer e = luaL_opt(L, luaL_checkinteger, 3, luaL_len(L, 1));
    if (i > e) return 0;
    lua_Unsigned n = (lua_Unsigned)e - i;   // number of elements minus 1 (avoids overflows)
    if (n >= (unsigned int)INT_MAX || !lua_checkstack(L, (int)(++n))) {
        return luaL_error(L, "too many results to unpack");
    }
    for (; i < e; i++) {
        STEP(L, steps);
        lua_geti(L, 1, i);
    }
    lua_geti(L, 1, e);
    return (int)n;
}

// MARK: - Sort (Lua's quicksort; based on 'Algorithms in MODULA-3', Sedgewick)

typedef unsigned int IdxT;

#define RANLIMIT 100u

typedef struct {
    lua_State *L;
    unsigned steps;
    unsigned rnd;   // pivot choice after an unbalanced partition; 0 = middle
} Sorter;

static void set2(lua_State *L, IdxT i, IdxT j) {
    lua_seti(L, 1, i);
    lua_seti(L, 1, j);
}

// Whether the value at stack index a sorts before the one at b (each
// comparison is a step).
static int sort_comp(Sorter *s, int a, int b) {
    lua_State *L = s->L;
    STEP(L, s->steps);
    if (lua_isnil(L, 2)) return lua_compare(L, a, b, LUA_OPLT);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, a - 1);
    lua_pushvalue(L, b - 2);
    lua_call(L, 2, 1);
    int res = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return res;
}

static IdxT partition(Sorter *s, IdxT lo, IdxT up) {
    lua_State *L = s->L;
    IdxT i = lo;
    IdxT j = up - 1;
    for (;;) {
        while ((void)lua_geti(L, 1, ++i), sort_comp(s, -1, -2)) {
            if (i == up - 1) luaL_error(L, "invalid order function for sorting");
            lua_pop(L, 1);
        }
        while ((void)lua_geti(L, 1, --j), sort_comp(s, -3, -1)) {
            if (j < i) luaL_error(L, "invalid order function for sorting");
            lua_pop(L, 1);
        }
        if (j < i) {
            lua_pop(L, 1);
            set2(L, up - 1, i);
            return i;
        }
        set2(L, i, j);
    }
}

static IdxT choose_pivot(IdxT lo, IdxT up, unsigned rnd) {
    IdxT r4 = (up - lo) / 4;
    return rnd % (r4 * 2) + (lo + r4);
}

static void auxsort(Sorter *s, IdxT lo, IdxT up) {
    lua_State *L = s->L;
    while (lo < up) {
        IdxT p;
        IdxT n;
        lua_geti(L, 1, lo);
        lua_geti(L, 1, up);
        if (sort_comp(s, -1, -2)) set2(L, lo, up);
        else lua_pop(L, 2);
        if (up - lo == 1) return;
        if (up - lo < RANLIMIT || s->rnd == 0) p = (lo + up) / 2;
        else p = choose_pivot(lo, up, s->rnd);
        lua_geti(L, 1, p);
        lua_geti(L, 1, lo);
        if (sort_comp(s, -2, -1)) {
            set2(L, p, lo);
        } else {
            lua_pop(L, 1);
            lua_geti(L, 1, up);
            if (sort_comp(s, -1, -2)) set2(L, p, up);
            else lua_pop(L, 2);
        }
        if (up - lo == 2) return;
        lua_geti(L, 1, p);
        lua_pushvalue(L, -1);
        lua_geti(L, 1, up - 1);
        set2(L, p, up - 1);
        p = partition(s, lo, up);
        if (p - lo < up - p) {
            auxsort(s, lo, p - 1);
            n = p - lo;
            lo = p + 1;
        } else {
            auxsort(s, p + 1, up);
            n = up - p;
            up = p - 1;
        }
        // Too unbalanced: move the pivot choice along a fixed sequence
        // (the stock sort reads the clock here).
        if ((up - lo) / 128 > n) s->rnd = s->rnd * 1103515245u + 12345u;
    }
}

static int tsort(lua_State *L) {
    lua_Integer n = aux_getn(L, 1, TAB_RW);
    if (n > 1) {
        luaL_argcheck(L, n < INT_MAX, 1, "array too big");
        if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
        lua_settop(L, 2);
        Sorter s = { L, 0, 0 };
        auxsort(&s, 1, (IdxT)n);
    }
    return 0;
}

void lh_install_table_functions(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"insert", tinsert}, {"remove", tremove}, {"move", tmove}, {"concat", tconcat},
        {"unpack", tunpack}, {"sort", tsort}, {NULL, NULL}
    };
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, LUA_TABLIBNAME);
    luaL_setfuncs(L, functions, 0);
    lua_pop(L, 2);
}
