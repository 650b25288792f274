#ifndef PARTNERSCORE_CLUASANDBOX_H
#define PARTNERSCORE_CLUASANDBOX_H

// The C half of LuaHost: everything that must raise Lua errors (longjmp) or
// needs Lua's C macros lives here, so no Swift frame is ever unwound.
//
// - a counting allocator with a memory cap that is enforced only while a
//   script runs (allocations made for the host are never refused);
// - a count hook that enforces the instruction budget and the wall-clock
//   deadline; once a limit is hit the state stays "killed" until the call
//   returns, so a script that catches the error with pcall still fails;
// - the sandbox: base/string/table/math/utf8 only, read-only library proxies,
//   a strict per-chunk _ENV, a restricted require and setmetatable;
// - trampolines through which Lua calls Swift host functions;
// - a Lua-pattern matcher that checks the deadline while it runs (see
//   patterns.c), replacing string.find/match/gmatch/gsub, and table
//   functions whose loops do the same (see tablib.c);
// - cancellation: another thread may ask a running call to stop.

#include <stddef.h>
#include <stdint.h>
#include <lua.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Why a running call was stopped. Sticky for the rest of the call.
typedef enum {
    LH_KILL_NONE = 0,
    LH_KILL_INSTRUCTIONS = 1,
    LH_KILL_MEMORY = 2,
    LH_KILL_TIME = 3,
    LH_KILL_SANDBOX = 4,
    LH_KILL_CANCELLED = 5,
} lh_kill_reason;

/// Status a Swift host function returns through the trampoline when it fails
/// (its message is on top of the stack).
#define LH_EXACT_BUDGET 10000000
#define LH_ESTIMATED_INSTRUCTIONS_PER_NS 0.25

#define LH_HOST_ERROR (-1)
#define LH_HOST_SANDBOX_VIOLATION (-2)

/// Status the module resolver returns.
#define LH_RESOLVE_FOUND 0
#define LH_RESOLVE_NOT_FOUND 1
#define LH_RESOLVE_FORBIDDEN 2

/// Swift callbacks, installed once per process with lh_set_callbacks.
/// dispatch: run host function `id`; return the number of results pushed, or
///           LH_HOST_ERROR / LH_HOST_SANDBOX_VIOLATION with a message pushed.
/// resolve:  find module `name`; push chunk name then source and return
///           LH_RESOLVE_FOUND, or push a message and return another status.
/// output:   receive one line written by print().
typedef int (*lh_dispatch_fn)(void *host, lua_State *L, int id);
typedef int (*lh_resolve_fn)(void *host, lua_State *L, const char *name);
typedef void (*lh_output_fn)(void *host, const char *text, size_t length);

void lh_set_callbacks(lh_dispatch_fn dispatch, lh_resolve_fn resolve, lh_output_fn output);

/// Per-state bookkeeping shared between C and Swift. Swift owns the memory.
/// Blocks of up to LH_POOL_CLASSES × 16 bytes are recycled per state.
#define LH_POOL_CLASSES 16

typedef struct lh_control {
    void *host;                 // the Swift LuaState (unretained)
    unsigned id;                // unique among the process's states (never 0)
    lua_State *L;               // the main thread

    // memory
    size_t used;                // bytes currently allocated by the state
    size_t peak;                // high-water mark since the last call began
    size_t limit;               // cap while enforcing; 0 = none
    int enforce;                // > 0 while a script runs
    int refused;                // a request over the cap was refused once and Lua is
                                // collecting its garbage before it asks again
    // small blocks freed by the state, kept for reuse by size class (see lh_alloc)
    void *pool[LH_POOL_CLASSES + 1];
    int pool_count[LH_POOL_CLASSES + 1];

    // instructions and time
    int64_t budget;             // instructions allowed for this call; 0 = none
    int64_t executed;           // instructions counted so far in this call
    int hook_interval;          // count the hook was last armed with
    int64_t call_started_ns;    // CLOCK_MONOTONIC when the call was armed
    int64_t deadline_ns;        // CLOCK_MONOTONIC deadline; 0 = none

    // deferred arming (see watchdog.c)
    int hook_live;              // the count hook is armed for this call
    int hook_deferred;          // this call arms it only if it outlives a watchdog tick
    void *watch;                // private watchdog record

    // line coverage (tests of policies)
    int coverage;               // record every executed line while set

    // set from any thread by lh_request_cancel; read atomically
    int cancel_requested;

    // outcome
    int killed;                 // lh_kill_reason
    char kill_where[192];       // "file:line:" where the limit was hit, if known
    char kill_message[256];     // human message for the limit
} lh_control;

/// A new sandboxed state using `control` for its allocator and limits.
/// Returns NULL when the state could not be created.
lua_State *lh_newstate(lh_control *control);
void lh_close(lua_State *L);

/// Nanoseconds on the monotonic clock.
int64_t lh_now_ns(void);

/// Ask the state's running call (and every later one, until lh_clear_cancel)
/// to stop with LH_KILL_CANCELLED: at once if it has not started, else within
/// a watchdog tick and one hook interval. The one function of this header that
/// may be called from another thread than the state's.
void lh_request_cancel(lh_control *control);
void lh_clear_cancel(lh_control *control);

/// Load a text chunk (never bytecode) named `chunkname` (use "@path") and give
/// it a fresh sandbox environment. Pushes the function, or an error message.
int lh_load(lua_State *L, const char *source, size_t length, const char *chunkname);

/// Push a fresh, empty sandbox environment table.
void lh_push_environment(lua_State *L);

/// Arm the limits for the next lh_pcall. Zero means "no limit" for each.
/// Budgets up to LH_EXACT_BUDGET are counted from the first instruction;
/// larger ones (and deadlines) arm the count hook only when a call outlives
/// a watchdog tick (about a millisecond), because an armed hook slows every
/// instruction. The time before arming is charged at a conservative
/// LH_ESTIMATED_INSTRUCTIONS_PER_NS.
void lh_arm(lua_State *L, int64_t instructions, size_t memory_bytes, int64_t timeout_ns);

/// Call the function below `nargs` arguments with a traceback message handler
/// while limits are enforced. Returns a LUA_* status; on error the message
/// (with traceback) is on top. After the call the limits are disarmed; if the
/// script was killed the status is LUA_ERRRUN even when the chunk returned.
int lh_pcall(lua_State *L, int nargs, int nresults);

/// One field of a record pushed with lh_push_record.
typedef enum { LH_FIELD_NIL = 0, LH_FIELD_NUMBER = 1, LH_FIELD_INTEGER = 2, LH_FIELD_STRING = 3,
               LH_FIELD_BOOLEAN = 4 } lh_field_type;
typedef struct lh_field {
    const char *key;        // stable for the record's lifetime
    int type;               // lh_field_type
    lua_Number number;
    lua_Integer integer;    // also the boolean (0/1)
    const char *string;
    size_t length;
    // The key as a Lua string in one state: a registry reference, valid
    // while key_state is that state's id (set by lh_push_record; start at 0).
    unsigned key_state;
    int key_ref;
} lh_field;

/// Push a new table holding `count` fields (nil fields are skipped), in one
/// call: the fast path for handing a snapshot to a policy. Caches each key's
/// Lua string in its field, so the same fields pushed again skip interning.
void lh_push_record(lua_State *L, lh_field *fields, int count);

/// Push a function `position(level)` returning the chunk name and current
/// line of the function at stack `level` (1 = its caller): host libraries
/// use it to tell where a policy declared something.
void lh_push_position_function(lua_State *L);

/// Push a Swift host function with the given dispatch id as a C closure.
void lh_push_hostfunction(lua_State *L, int id);

/// Set the value on top (popped) as sandbox global `name`, visible to every
/// chunk loaded afterwards and before. Used for host libraries.
void lh_set_global(lua_State *L, const char *name);

/// Register the value on top (popped) as the module returned by require(name).
void lh_preload(lua_State *L, const char *name);

/// Push a read-only proxy of the table at `index` (shallow).
void lh_push_readonly(lua_State *L, int index, const char *what);
/// When the value at `index` is a read-only proxy (what `require` returns for
/// a module's table), pushes the table it stands for and returns 1; else
/// pushes nothing and returns 0. Readers that walk tables raw (lua_next) use
/// it, or they would see a module's table as empty.
int lh_proxy_target(lua_State *L, int index);

/// Tests only: make the stock string.find/match/gmatch/gsub visible to
/// scripts as global `stock_string`, to compare the matchers.
void lh_expose_stock_patterns(lua_State *L);

/// Line coverage: while on, every call arms a line hook that records each
/// executed (chunk, line) in a registry table. Off by default (it is slow).
void lh_set_coverage(lua_State *L, int on);
/// Push the coverage table: { [chunkname] = { [line] = true, ... }, ... }.
void lh_push_coverage(lua_State *L);
/// Push the table of lines holding code of the function `ref` (its
/// "active lines") and return its chunk name (NULL if not a Lua function).
const char *lh_push_active_lines(lua_State *L, int ref);
/// Compile the text chunk `source` (without running it) and push an array
/// with one table { [line] = true } per function it defines, nested ones
/// included, each without its closing `end` (the main chunk's own lines are
/// left out). Returns 0, or -1 with nothing pushed if it does not compile.
int lh_push_function_lines(lua_State *L, const char *source, size_t length, const char *chunkname);

/// Registry helpers (macros in lua.h).
int lh_ref(lua_State *L);
void lh_unref(lua_State *L, int ref);
void lh_push_ref(lua_State *L, int ref);

/// Stack helpers for macros not imported into Swift.
void lh_pop(lua_State *L, int n);
void lh_newtable(lua_State *L, int narr, int nrec);
const char *lh_tolstring(lua_State *L, int index, size_t *length);
int lh_isinteger(lua_State *L, int index);
lua_Integer lh_tointeger(lua_State *L, int index);
lua_Number lh_tonumber(lua_State *L, int index);

#ifdef __cplusplus
}
#endif

#endif
