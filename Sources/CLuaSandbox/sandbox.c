// The sandboxed Lua state: allocator, limits, environment, trampolines.
// See CLuaSandbox.h for the contract. Everything here may raise Lua errors;
// nothing here is called from Swift except through the functions declared in
// the header, none of which raise.

#include "CLuaSandbox.h"
#include "internal.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <time.h>

// Registry keys (addresses of these statics are unique light userdata keys).
static const char KEY_GLOBALS = 'G';    // the shared, read-only base globals
static const char KEY_ENV_META = 'E';   // metatable of every chunk environment
static const char KEY_MODULES = 'M';    // require cache: name -> value
static const char KEY_PRELOAD = 'P';    // host-provided modules
static const char KEY_LOADING = 'L';    // sentinel for modules being loaded
static const char KEY_PROXY_META = 'X'; // metatable cache per proxied table
static const char KEY_COVERAGE = 'C';   // executed lines, by chunk
static const char KEY_FIELD_KEYS = 'F'; // record field name -> registry ref of the name

#define HOOK_INTERVAL 10000
// The traceback message handler stays at the bottom of the main thread's
// stack for the state's whole life, so calls need not insert and remove it.
#define MESSAGE_HANDLER_INDEX 1

static lh_dispatch_fn g_dispatch = NULL;
static lh_resolve_fn g_resolve = NULL;
static lh_output_fn g_output = NULL;

void lh_set_callbacks(lh_dispatch_fn dispatch, lh_resolve_fn resolve, lh_output_fn output) {
    g_dispatch = dispatch;
    g_resolve = resolve;
    g_output = output;
}

lh_control *lh_control_of(lua_State *L) {
    return *(lh_control **)lua_getextraspace(L);
}

int64_t lh_now_ns(void) {
    // The coarse clock (a few ms resolution) costs a fraction of the precise
    // one, and limits are in milliseconds anyway.
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// MARK: - Killing a call

static void lh_hook(lua_State *L, lua_Debug *ar);

// Record the script position of the innermost Lua function, if any.
static void record_where(lua_State *L, lh_control *c) {
    lua_Debug ar;
    c->kill_where[0] = '\0';
    for (int level = 0; level < 32 && lua_getstack(L, level, &ar); level++) {
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            snprintf(c->kill_where, sizeof c->kill_where, "%s:%d:", ar.short_src, ar.currentline);
            return;
        }
    }
}

// Mark the call as killed (first reason wins) and make every further
// instruction raise, so pcall cannot swallow the limit.
static void mark_killed(lua_State *L, lh_control *c, int reason, const char *message) {
    if (c->killed != LH_KILL_NONE) return;
    c->killed = reason;
    snprintf(c->kill_message, sizeof c->kill_message, "%s", message);
    record_where(L, c);
    lua_sethook(L, lh_hook, LUA_MASKCOUNT, 1);
}

int lh_raise_kill(lua_State *L, int reason, const char *message) {
    lh_control *c = lh_control_of(L);
    mark_killed(L, c, reason, message);
    if (c->kill_where[0]) return luaL_error(L, "%s %s", c->kill_where, c->kill_message);
    return luaL_error(L, "%s", c->kill_message);
}

int lh_sandbox_violation(lua_State *L, const char *message) {
    lh_control *c = lh_control_of(L);
    if (c->killed == LH_KILL_NONE) {
        c->killed = LH_KILL_SANDBOX;
        luaL_where(L, 1);
        snprintf(c->kill_where, sizeof c->kill_where, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        snprintf(c->kill_message, sizeof c->kill_message, "sandbox: %s", message);
    }
    luaL_where(L, 1);
    lua_pushfstring(L, "sandbox: %s", message);
    lua_concat(L, 2);
    return lua_error(L);
}

#define CANCELLED_MESSAGE "cancelled: the run stopped at an earlier failure"

static int cancel_requested(lh_control *c) {
    return __atomic_load_n(&c->cancel_requested, __ATOMIC_RELAXED);
}

void lh_request_cancel(lh_control *c) { __atomic_store_n(&c->cancel_requested, 1, __ATOMIC_RELAXED); }
void lh_clear_cancel(lh_control *c) { __atomic_store_n(&c->cancel_requested, 0, __ATOMIC_RELAXED); }

int lh_check_deadline(lua_State *L) {
    lh_control *c = lh_control_of(L);
    if (c->enforce <= 0) return 0;
    if (c->deadline_ns > 0 && lh_now_ns() > c->deadline_ns) {
        char message[96];
        snprintf(message, sizeof message, "time limit of %lld ms exceeded",
                 (long long)((c->deadline_ns - c->call_started_ns) / 1000000));
        return lh_raise_kill(L, LH_KILL_TIME, message);
    }
    if (cancel_requested(c)) return lh_raise_kill(L, LH_KILL_CANCELLED, CANCELLED_MESSAGE);
    return 0;
}

static void raise_sticky(lua_State *L, lh_control *c) {
    if (c->kill_where[0]) luaL_error(L, "%s %s", c->kill_where, c->kill_message);
    luaL_error(L, "%s", c->kill_message);
}

void lh_charge(lua_State *L, int64_t steps) {
    lh_control *c = lh_control_of(L);
    if (c->enforce <= 0) return;
    if (c->killed != LH_KILL_NONE) raise_sticky(L, c);
    c->executed += steps;
    if (c->budget > 0 && c->executed >= c->budget) {
        char message[96];
        snprintf(message, sizeof message, "instruction limit of %lld exceeded", (long long)c->budget);
        lh_raise_kill(L, LH_KILL_INSTRUCTIONS, message);
    }
    lh_check_deadline(L);
}

void lh_arm_hook(lua_State *L, lh_control *c) {
    int64_t interval = HOOK_INTERVAL;
    if (c->budget > 0 && c->budget - c->executed < interval) interval = c->budget - c->executed;
    if (interval < 1) interval = 1;
    c->hook_interval = (int)interval;
    c->hook_live = 1;
    lua_sethook(L, lh_hook, LUA_MASKCOUNT | (c->coverage ? LUA_MASKLINE : 0), (int)interval);
}

static void record_line(lua_State *L, lh_control *c, lua_Debug *ar) {
    if (!lua_getinfo(L, "S", ar) || ar->source == NULL) return;
    int saved = c->enforce;
    c->enforce = 0;   // bookkeeping for the host, never refused
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_COVERAGE);
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_pushstring(L, ar->source);
        if (lua_rawget(L, -2) != LUA_TTABLE) {
            lua_pop(L, 1);
            lua_newtable(L);
            lua_pushstring(L, ar->source);
            lua_pushvalue(L, -2);
            lua_rawset(L, -4);
        }
        lua_pushboolean(L, 1);
        lua_rawseti(L, -2, ar->currentline);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    c->enforce = saved;
}

static void lh_hook(lua_State *L, lua_Debug *ar) {
    lh_control *c = lh_control_of(L);
    if (ar->event == LUA_HOOKLINE) {
        if (c->coverage && c->killed == LH_KILL_NONE) record_line(L, c, ar);
        return;
    }
    if (c->enforce <= 0) return;
    if (c->killed != LH_KILL_NONE) {
        raise_sticky(L, c);   // keep raising until the call unwinds to the host
        return;
    }
    c->executed += c->hook_interval;
    if (c->budget > 0 && c->executed >= c->budget) {
        char message[96];
        snprintf(message, sizeof message, "instruction limit of %lld exceeded", (long long)c->budget);
        lh_raise_kill(L, LH_KILL_INSTRUCTIONS, message);
        return;
    }
    lh_check_deadline(L);
    lh_arm_hook(L, c);
}

// MARK: - Allocator

// Lua allocates and frees a few small blocks for every table a call builds
// (the table, its hash part, short strings). The state is used by one thread
// at a time, so freed blocks of up to LH_POOL_CLASSES × 16 bytes go on a free
// list per 16-byte size class and are handed out again without malloc/free.
// Each list keeps at most POOL_DEPTH blocks (about half a MiB per state in
// all); the rest go back to malloc. Lua always passes a block's exact old
// size, so the class of a block is known when it is freed or resized.
// Accounting (used, peak, limit) counts the sizes Lua asked for, as before.
#define POOL_DEPTH 256

typedef struct pool_block { struct pool_block *next; } pool_block;

static inline int pool_class(size_t size) { return (int)((size + 15) >> 4); }

static void *pool_take(lh_control *c, int k) {
    pool_block *block = c->pool[k];
    if (block != NULL) {
        c->pool[k] = block->next;
        c->pool_count[k]--;
        return block;
    }
    return malloc((size_t)k << 4);
}

static void pool_give(lh_control *c, void *ptr, int k) {
    if (c->pool_count[k] >= POOL_DEPTH) { free(ptr); return; }
    pool_block *block = ptr;
    block->next = c->pool[k];
    c->pool[k] = block;
    c->pool_count[k]++;
}

/// Free the blocks kept for reuse (after lua_close).
static void pool_drain(lh_control *c) {
    for (int k = 1; k <= LH_POOL_CLASSES; k++) {
        while (c->pool[k] != NULL) {
            pool_block *block = c->pool[k];
            c->pool[k] = block->next;
            free(block);
        }
        c->pool_count[k] = 0;
    }
}

// malloc/realloc/free with the pool in front: `old` is 0 for a new block.
static void *pool_resize(lh_control *c, void *ptr, size_t old, size_t nsize) {
    int from = old > 0 && old <= (LH_POOL_CLASSES << 4) ? pool_class(old) : 0;
    int to = nsize > 0 && nsize <= (LH_POOL_CLASSES << 4) ? pool_class(nsize) : 0;
    if (nsize == 0) {
        if (from) pool_give(c, ptr, from); else free(ptr);
        return NULL;
    }
    if (ptr == NULL) return to ? pool_take(c, to) : malloc(nsize);
    if (!from && !to) return realloc(ptr, nsize);
    if (from == to) return ptr;                       // same class: fits already
    void *block = to ? pool_take(c, to) : malloc(nsize);
    if (block == NULL) return NULL;                   // the old block stays valid
    memcpy(block, ptr, old < nsize ? old : nsize);
    if (from) pool_give(c, ptr, from); else free(ptr);
    return block;
}

static void *lh_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    lh_control *c = (lh_control *)ud;
    size_t old = ptr ? osize : 0;   // when ptr == NULL, osize is a type tag
    if (nsize == 0) {
        pool_resize(c, ptr, old, 0);
        c->used -= old;
        return NULL;
    }
    if (nsize > old && c->enforce > 0 && c->limit > 0) {
        size_t grow = nsize - old;
        if (c->killed == LH_KILL_MEMORY) return NULL;
        if (c->used + grow > c->limit) {
            // The cap is on live memory, not on garbage not yet collected:
            // the first refusal makes Lua run a full (emergency) collection
            // and ask once more (lmem.c's tryagain); only a request that
            // still does not fit stops the call.
            if (!c->refused) {
                c->refused = 1;
                return NULL;
            }
            c->refused = 0;
            if (c->L != NULL && c->killed == LH_KILL_NONE) {
                char message[96];
                snprintf(message, sizeof message, "memory limit of %zu KiB exceeded", c->limit / 1024);
                mark_killed(c->L, c, LH_KILL_MEMORY, message);
            }
            return NULL;   // Lua raises LUA_ERRMEM
        }
    }
    void *block = pool_resize(c, ptr, old, nsize);
    if (block == NULL) return NULL;
    if (nsize > old) c->refused = 0;
    c->used = c->used - old + nsize;
    if (c->used > c->peak) c->peak = c->used;
    return block;
}

static int lh_panic(lua_State *L) {
    const char *message = lua_tostring(L, -1);
    fprintf(stderr, "partnerscore: unprotected Lua error: %s\n", message ? message : "(not a string)");
    abort();
}

// MARK: - Message handler

// Turns the error object into "file:line: message" plus a traceback. It runs
// inside the call, so the object's __tostring (policy code) runs under the
// call's limits like any other; an error or a limit hit inside it comes back
// here as a string (Lua calls the handler again). Only the traceback, built
// by the host, is exempt from the memory cap.
static int lh_msgh(lua_State *L) {
    lh_control *c = lh_control_of(L);
    const char *message;
    if (lua_type(L, 1) == LUA_TSTRING) {
        message = lua_tostring(L, 1);
    } else {
        // error() adds a position only to strings: say where a table, a
        // number or nil was raised (the innermost Lua function).
        lua_Debug ar;
        char where[192] = "";
        for (int level = 1; level < 32 && lua_getstack(L, level, &ar); level++) {
            if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
                snprintf(where, sizeof where, "%s:%d: ", ar.short_src, ar.currentline);
                break;
            }
        }
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) {
            message = lua_pushfstring(L, "%s%s", where, lua_tostring(L, -1));
        } else if (lua_type(L, 1) == LUA_TNUMBER) {
            message = lua_pushfstring(L, "%s%s", where, lua_tostring(L, 1));
        } else {
            message = lua_pushfstring(L, "%s(error object is a %s value)", where, luaL_typename(L, 1));
        }
    }
    c->enforce--;   // building the traceback must not fail on the memory cap
    luaL_traceback(L, L, message, 1);
    c->enforce++;
    return 1;
}

// MARK: - Calls

void lh_arm(lua_State *L, int64_t instructions, size_t memory_bytes, int64_t timeout_ns) {
    lh_control *c = lh_control_of(L);
    c->budget = instructions;
    c->executed = 0;
    c->limit = memory_bytes;
    c->refused = 0;
    c->peak = c->used;
    c->call_started_ns = lh_now_ns();
    c->deadline_ns = timeout_ns <= 0 ? 0
        : timeout_ns < INT64_MAX - c->call_started_ns ? c->call_started_ns + timeout_ns : INT64_MAX;
    c->killed = LH_KILL_NONE;
    c->kill_where[0] = '\0';
    c->kill_message[0] = '\0';
}

int lh_pcall(lua_State *L, int nargs, int nresults) {
    lh_control *c = lh_control_of(L);
    int base = lua_gettop(L) - nargs;   // index of the function
    c->hook_live = 0;
    c->hook_deferred = 0;
    if ((c->budget > 0 && c->budget <= LH_EXACT_BUDGET) || c->coverage) {
        lh_arm_hook(L, c);                 // exact from the first instruction
    } else {
        // Armed by the watchdog if the call runs long — also with no limit
        // at all, so that the call can still be cancelled.
        c->hook_deferred = 1;
        lua_sethook(L, NULL, 0, 0);
    }
    if (cancel_requested(c)) {
        lua_settop(L, base - 1);
        c->killed = LH_KILL_CANCELLED;
        snprintf(c->kill_message, sizeof c->kill_message, "%s", CANCELLED_MESSAGE);
        lua_pushstring(L, CANCELLED_MESSAGE);
        return LUA_ERRRUN;
    }
    c->enforce = 1;
    if (c->hook_deferred) lh_watch_begin(c);
    int status = lua_pcall(L, nargs, nresults, MESSAGE_HANDLER_INDEX);
    if (c->hook_deferred) lh_watch_end(c);
    c->enforce = 0;
    lua_sethook(L, NULL, 0, 0);
    c->hook_live = 0;
    if (c->killed != LH_KILL_NONE) {
        // The script was stopped, even if it caught the error and returned.
        if (status == LUA_OK) {
            int results = lua_gettop(L) - base + 1;
            if (results > 0) lua_pop(L, results);
            if (c->kill_where[0]) lua_pushfstring(L, "%s %s", c->kill_where, c->kill_message);
            else lua_pushstring(L, c->kill_message);
        }
        return LUA_ERRRUN;
    }
    return status;
}

// MARK: - Sandbox functions

static int lh_global_missing(lua_State *L) {
    const char *name = lua_tostring(L, 2);
    static const char *const forbidden[] = {
        "os", "io", "debug", "package", "dofile", "loadfile", "load", "loadstring",
        "collectgarbage", "rawset", "coroutine", "module", "setfenv", "getfenv", "warn", NULL
    };
    if (name != NULL) {
        for (int i = 0; forbidden[i]; i++) {
            if (strcmp(name, forbidden[i]) == 0) {
                char message[128];
                snprintf(message, sizeof message, "'%s' is not available to policies", name);
                return lh_sandbox_violation(L, message);
            }
        }
        return luaL_error(L, "undeclared global '%s' (declare it local or check its spelling)", name);
    }
    return luaL_error(L, "undeclared global of type %s", luaL_typename(L, 2));
}

static int lh_global_write(lua_State *L) {
    const char *name = lua_tostring(L, 2);
    char message[160];
    snprintf(message, sizeof message, "assignment to undeclared global '%s' (declare it local)",
             name ? name : luaL_typename(L, 2));
    return lh_sandbox_violation(L, message);
}

static int lh_readonly_write(lua_State *L) {
    const char *what = lua_tostring(L, lua_upvalueindex(1));
    const char *key = lua_tostring(L, 2);
    char message[160];
    snprintf(message, sizeof message, "%s is read-only (cannot set '%s')", what, key ? key : "?");
    return lh_sandbox_violation(L, message);
}

// __index of a library's own table: a removed member is a sandbox violation.
static int lh_library_missing(lua_State *L) {
    const char *lib = lua_tostring(L, lua_upvalueindex(1));
    const char *key = lua_tostring(L, 2);
    static const char *const forbidden[] = { "dump", "random", "randomseed", NULL };
    if (key != NULL) {
        for (int i = 0; forbidden[i]; i++) {
            if (strcmp(key, forbidden[i]) == 0) {
                char message[160];
                snprintf(message, sizeof message, "%s.%s is not available to policies%s", lib, key,
                         strcmp(key, "dump") == 0 ? "" : " (policies must be deterministic)");
                return lh_sandbox_violation(L, message);
            }
        }
    }
    return 0;   // nil, as for any missing field
}

static int lh_proxy_next(lua_State *L) {
    lua_settop(L, 2);
    lua_pushvalue(L, 2);
    if (lua_next(L, lua_upvalueindex(1))) return 2;
    lua_pushnil(L);
    return 1;
}

static int lh_proxy_pairs(lua_State *L) {
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__target");
    lua_pushcclosure(L, lh_proxy_next, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int lh_proxy_len(lua_State *L) {
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__target");
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
    return 1;
}

int lh_proxy_target(lua_State *L, int index) {
    index = lua_absindex(L, index);
    if (!lua_checkstack(L, 3) || !lua_getmetatable(L, index)) return 0;
    // Raw reads only: a policy's own metatables must not run code here.
    lua_pushliteral(L, "__newindex");
    lua_rawget(L, -2);
    int proxy = lua_tocfunction(L, -1) == lh_readonly_write;
    lua_pop(L, 1);
    if (!proxy) {
        lua_pop(L, 1);
        return 0;
    }
    lua_pushliteral(L, "__target");
    lua_rawget(L, -2);
    lua_remove(L, -2);
    return 1;
}

void lh_push_readonly(lua_State *L, int index, const char *what) {
    index = lua_absindex(L, index);
    // Reuse one proxy per target so identity is stable.
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_PROXY_META);
    lua_pushvalue(L, index);
    if (lua_rawget(L, -2) == LUA_TTABLE) {
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    lua_newtable(L);                       // proxy
    lua_createtable(L, 0, 6);              // its metatable
    lua_pushvalue(L, index);
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, what);
    lua_pushcclosure(L, lh_readonly_write, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, lh_proxy_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushcfunction(L, lh_proxy_len);
    lua_setfield(L, -2, "__len");
    lua_pushvalue(L, index);
    lua_setfield(L, -2, "__target");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    // cache: cache[target] = proxy
    lua_pushvalue(L, index);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);
    lua_remove(L, -2);
}

static int lh_setmetatable(lua_State *L) {
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (t == LUA_TTABLE && lua_getfield(L, 2, "__gc") != LUA_TNIL) {
        return lh_sandbox_violation(L, "__gc metamethods are not available to policies");
    }
    lua_settop(L, 2);
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) {
        return luaL_error(L, "cannot change a protected metatable");
    }
    lua_setmetatable(L, 1);
    return 1;
}

static int lh_print(lua_State *L) {
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    size_t length;
    const char *text = lua_tolstring(L, -1, &length);
    lh_control *c = lh_control_of(L);
    if (g_output != NULL) {
        int saved = c->enforce;
        c->enforce = 0;
        g_output(c->host, text, length);
        c->enforce = saved;
    }
    return 0;
}

static int lh_host_trampoline(lua_State *L) {
    lh_control *c = lh_control_of(L);
    int id = (int)lua_tointeger(L, lua_upvalueindex(1));
    int saved = c->enforce;
    c->enforce = 0;   // results pushed by Swift are never refused
    int n = g_dispatch ? g_dispatch(c->host, L, id) : LH_HOST_ERROR;
    c->enforce = saved;
    if (n == LH_HOST_SANDBOX_VIOLATION) {
        const char *message = lua_tostring(L, -1);
        return lh_sandbox_violation(L, message ? message : "host function refused the call");
    }
    if (n < 0) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
        return lua_error(L);
    }
    return n;
}

// The registry reference of `field`'s key as a Lua string, made once per
// state and name: records of the same shape share the references, and the
// table of them (name -> reference) bounds them by the names in use.
static int field_key_ref(lua_State *L, lh_control *c, lh_field *field) {
    if (field->key_state == c->id) return field->key_ref;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_FIELD_KEYS) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_FIELD_KEYS);
    }
    int ref;
    if (lua_getfield(L, -1, field->key) == LUA_TNUMBER) {
        ref = (int)lua_tointeger(L, -1);
        lua_pop(L, 1);
    } else {
        lua_pop(L, 1);
        lua_pushstring(L, field->key);
        ref = luaL_ref(L, LUA_REGISTRYINDEX);
        lua_pushinteger(L, ref);
        lua_setfield(L, -2, field->key);
    }
    lua_pop(L, 1);
    field->key_state = c->id;
    field->key_ref = ref;
    return ref;
}

void lh_push_record(lua_State *L, lh_field *fields, int count) {
    lh_control *c = lh_control_of(L);
    lua_createtable(L, 0, count);
    for (int i = 0; i < count; i++) {
        lh_field *f = &fields[i];
        if (f->type < LH_FIELD_NUMBER || f->type > LH_FIELD_BOOLEAN) continue;
        // The key is read from the registry instead of being interned from
        // its C string at every push.
        lua_rawgeti(L, LUA_REGISTRYINDEX, field_key_ref(L, c, f));
        switch (f->type) {
            case LH_FIELD_NUMBER: lua_pushnumber(L, f->number); break;
            case LH_FIELD_INTEGER: lua_pushinteger(L, f->integer); break;
            case LH_FIELD_STRING: lua_pushlstring(L, f->string, f->length); break;
            default: lua_pushboolean(L, (int)f->integer); break;
        }
        lua_rawset(L, -3);
    }
}

static int lh_position(lua_State *L) {
    int level = (int)luaL_optinteger(L, 1, 1);
    lua_Debug ar;
    for (; level < 64 && lua_getstack(L, level, &ar); level++) {
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            lua_pushstring(L, ar.short_src);
            lua_pushinteger(L, ar.currentline);
            return 2;
        }
    }
    return 0;
}

void lh_push_position_function(lua_State *L) { lua_pushcfunction(L, lh_position); }

void lh_push_hostfunction(lua_State *L, int id) {
    lua_pushinteger(L, id);
    lua_pushcclosure(L, lh_host_trampoline, 1);
}

static void set_environment(lua_State *L, int fn) {
    fn = lua_absindex(L, fn);
    lh_push_environment(L);
    if (lua_setupvalue(L, fn, 1) == NULL) lua_pop(L, 1);
}

static int lh_require(lua_State *L) {
    const char *name = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_MODULES);            // 2: cache
    lua_getfield(L, 2, name);
    if (lua_rawequal(L, -1, lua_upvalueindex(1))) {
        return luaL_error(L, "circular require of module '%s'", name);
    }
    if (!lua_isnil(L, -1)) return 1;
    lua_pop(L, 1);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_PRELOAD);
    if (lua_getfield(L, -1, name) != LUA_TNIL) return 1;
    lua_pop(L, 2);

    lh_control *c = lh_control_of(L);
    int saved = c->enforce;
    c->enforce = 0;
    int status = g_resolve ? g_resolve(c->host, L, name) : LH_RESOLVE_NOT_FOUND;
    c->enforce = saved;
    if (status == LH_RESOLVE_FORBIDDEN) {
        return lh_sandbox_violation(L, lua_tostring(L, -1));
    }
    if (status != LH_RESOLVE_FOUND) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
        return lua_error(L);
    }
    // stack: 1 name, 2 cache, 3 chunkname, 4 source
    size_t length;
    const char *source = lua_tolstring(L, 4, &length);
    const char *chunkname = lua_tostring(L, 3);
    if (luaL_loadbufferx(L, source, length, chunkname, "t") != LUA_OK) {
        return lua_error(L);
    }
    set_environment(L, -1);
    lua_pushvalue(L, lua_upvalueindex(1));   // mark as loading
    lua_setfield(L, 2, name);
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    if (lua_type(L, -1) == LUA_TTABLE) {
        char what[128];
        snprintf(what, sizeof what, "module '%s'", name);
        lh_push_readonly(L, -1, what);
        lua_remove(L, -2);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, 2, name);
    return 1;
}

// string.rep, as Lua 5.4's, with two differences. Results larger than the
// memory cap are refused up front (Lua's own check only stops strings over
// 2 GiB, with a message that does not say a limit was hit). And the result is
// filled by doubling copies instead of one copy per repetition: the stock
// loop runs `count` times in C, where no hook fires, even when the result is
// empty (string.rep("", 2^62) never returned).
static int lh_string_rep(lua_State *L) {
    size_t length, separator;
    const char *s = luaL_checklstring(L, 1, &length);
    lua_Integer count = luaL_checkinteger(L, 2);
    const char *sep = luaL_optlstring(L, 3, "", &separator);
    size_t unit = length + separator;
    if (count <= 0 || unit == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    if (unit < length || (lua_Unsigned)count > ((size_t)LUA_MAXINTEGER - separator) / unit) {
        return luaL_error(L, "resulting string too large");
    }
    size_t total = (size_t)count * unit - separator;
    lh_control *c = lh_control_of(L);
    if (c->enforce > 0 && c->limit > 0 && total > c->limit) {
        char message[160];
        snprintf(message, sizeof message, "memory limit of %zu KiB exceeded (string.rep of %zu bytes)",
                 c->limit / 1024, total);
        return lh_raise_kill(L, LH_KILL_MEMORY, message);
    }
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, total);
    memcpy(p, s, length);
    size_t filled = length;
    if (count > 1) {
        memcpy(p + filled, sep, separator);   // p now starts with one period: s .. sep
        filled = unit;
        while (filled < total) {              // the result is that period repeated, cut at total
            size_t chunk = filled < total - filled ? filled : total - filled;
            memcpy(p + filled, p, chunk);
            filled += chunk;
        }
    }
    luaL_pushresultsize(&b, total);
    return 1;
}

static void replace_string_rep(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, LUA_STRLIBNAME);
    lua_pushcfunction(L, lh_string_rep);
    lua_setfield(L, -2, "rep");
    lua_pop(L, 2);
}

void lh_expose_stock_patterns(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, "partnerscore.stock_string");
    lh_set_global(L, "stock_string");
}

// MARK: - Building the state

// Open library `name`, strip it, and put a read-only proxy into `globals`.
static void open_library(lua_State *L, int globals, const char *name, lua_CFunction open) {
    luaL_requiref(L, name, open, 0);           // the real library table
    int lib = lua_gettop(L);
    lua_createtable(L, 0, 1);                  // removed members raise
    lua_pushstring(L, name);
    lua_pushcclosure(L, lh_library_missing, 1);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, lib);
    char what[64];
    snprintf(what, sizeof what, "the %s library", name);
    lh_push_readonly(L, lib, what);
    lua_setfield(L, globals, name);
    lua_pop(L, 1);
}

static void remove_member(lua_State *L, const char *lib, const char *member) {
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, lib);
    lua_pushnil(L);
    lua_setfield(L, -2, member);
    lua_pop(L, 2);
}

static int build_sandbox(lua_State *L) {
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_PROXY_META);
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_MODULES);
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_PRELOAD);
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_LOADING);

    // The real base library goes into the (unreachable) registry globals.
    luaL_requiref(L, LUA_GNAME, luaopen_base, 0);
    int base = lua_gettop(L);

    lua_newtable(L);   // sandbox globals
    int globals = lua_gettop(L);
    static const char *const allowed[] = {
        "assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall",
        "rawequal", "rawget", "rawlen", "select", "tonumber", "tostring", "type",
        "xpcall", "_VERSION", NULL
    };
    for (int i = 0; allowed[i]; i++) {
        lua_getfield(L, base, allowed[i]);
        lua_setfield(L, globals, allowed[i]);
    }
    lua_pushcfunction(L, lh_setmetatable);
    lua_setfield(L, globals, "setmetatable");
    lua_pushcfunction(L, lh_print);
    lua_setfield(L, globals, "print");
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_LOADING);
    lua_pushcclosure(L, lh_require, 1);
    lua_setfield(L, globals, "require");

    open_library(L, globals, LUA_STRLIBNAME, luaopen_string);
    open_library(L, globals, LUA_TABLIBNAME, luaopen_table);
    open_library(L, globals, LUA_MATHLIBNAME, luaopen_math);
    open_library(L, globals, LUA_UTF8LIBNAME, luaopen_utf8);
    remove_member(L, LUA_STRLIBNAME, "dump");
    remove_member(L, LUA_MATHLIBNAME, "random");
    remove_member(L, LUA_MATHLIBNAME, "randomseed");
    lh_install_patterns(L);
    lh_install_table_functions(L);
    replace_string_rep(L);

    // Strings share one metatable: protect it (its __index is the real,
    // stripped string table, which scripts cannot reach).
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);

    // Unknown globals: forbidden ones are sandbox violations, others errors.
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, lh_global_missing);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, globals);
    lua_pushvalue(L, globals);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_GLOBALS);

    // Every chunk gets its own environment reading through to the globals.
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, globals);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, lh_global_write);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_ENV_META);

    lua_settop(L, 0);
    return 0;
}

lua_State *lh_newstate(lh_control *control) {
    static _Atomic unsigned next_id = 0;
    memset(control, 0, sizeof *control);
    control->id = atomic_fetch_add(&next_id, 1) + 1;
    lua_State *L = lua_newstate(lh_alloc, control);
    if (L == NULL) return NULL;
    lua_atpanic(L, lh_panic);
    *(lh_control **)lua_getextraspace(L) = control;
    lua_pushcfunction(L, build_sandbox);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        lua_close(L);
        pool_drain(control);
        return NULL;
    }
    control->L = L;
    lua_pushcfunction(L, lh_msgh);   // stays at MESSAGE_HANDLER_INDEX
    if (lh_watch_register(control, L) != 0) {
        lua_close(L);
        pool_drain(control);
        return NULL;
    }
    return L;
}

void lh_close(lua_State *L) {
    lh_control *c = lh_control_of(L);
    lh_watch_unregister(c);
    lua_close(L);
    pool_drain(c);
}

void lh_push_environment(lua_State *L) {
    lua_newtable(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_ENV_META);
    lua_setmetatable(L, -2);
}

int lh_load(lua_State *L, const char *source, size_t length, const char *chunkname) {
    int status = luaL_loadbufferx(L, source, length, chunkname, "t");
    if (status != LUA_OK) return status;
    set_environment(L, -1);
    return LUA_OK;
}

void lh_set_global(lua_State *L, const char *name) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_GLOBALS);
    lua_insert(L, -2);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

void lh_preload(lua_State *L, const char *name) {
    if (lua_type(L, -1) == LUA_TTABLE) {
        char what[128];
        snprintf(what, sizeof what, "module '%s'", name);
        lh_push_readonly(L, -1, what);
        lua_remove(L, -2);
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_PRELOAD);
    lua_insert(L, -2);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

// MARK: - Coverage

void lh_set_coverage(lua_State *L, int on) {
    lh_control *c = lh_control_of(L);
    c->coverage = on;
    if (on) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_COVERAGE);
        int missing = lua_type(L, -1) != LUA_TTABLE;
        lua_pop(L, 1);
        if (missing) {
            lua_newtable(L);
            lua_rawsetp(L, LUA_REGISTRYINDEX, &KEY_COVERAGE);
        }
    }
}

void lh_push_coverage(lua_State *L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &KEY_COVERAGE);
    if (lua_type(L, -1) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
    }
}

const char *lh_push_active_lines(lua_State *L, int ref) {
    lua_Debug ar;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    if (lua_type(L, -1) != LUA_TFUNCTION) {
        lua_pop(L, 1);
        lua_newtable(L);
        return NULL;
    }
    lua_getinfo(L, ">SL", &ar);   // pops the function, pushes its active lines
    if (lua_type(L, -1) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        return NULL;
    }
    // The closing `end` of a multi-line function holds only the implicit
    // return, which runs only when the function falls through: not a line
    // a test can be expected to reach.
    if (ar.lastlinedefined > ar.linedefined) {
        lua_pushnil(L);
        lua_rawseti(L, -2, ar.lastlinedefined);
    }
    return ar.source;
}

// MARK: - Macro wrappers

int lh_ref(lua_State *L) { return luaL_ref(L, LUA_REGISTRYINDEX); }
void lh_unref(lua_State *L, int ref) { luaL_unref(L, LUA_REGISTRYINDEX, ref); }
void lh_push_ref(lua_State *L, int ref) { lua_rawgeti(L, LUA_REGISTRYINDEX, ref); }
void lh_pop(lua_State *L, int n) { lua_pop(L, n); }
void lh_newtable(lua_State *L, int narr, int nrec) { lua_createtable(L, narr, nrec); }
const char *lh_tolstring(lua_State *L, int index, size_t *length) {
    // Only for values that already are strings: never converts in place.
    if (lua_type(L, index) != LUA_TSTRING) return NULL;
    return lua_tolstring(L, index, length);
}
int lh_isinteger(lua_State *L, int index) { return lua_isinteger(L, index); }
lua_Integer lh_tointeger(lua_State *L, int index) { return lua_tointegerx(L, index, NULL); }
lua_Number lh_tonumber(lua_State *L, int index) { return lua_tonumberx(L, index, NULL); }
