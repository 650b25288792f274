#ifndef PARTNERSCORE_CLUASANDBOX_INTERNAL_H
#define PARTNERSCORE_CLUASANDBOX_INTERNAL_H
// Shared between the files of this target only.
#include "CLuaSandbox.h"

lh_control *lh_control_of(lua_State *L);
/// Stop the running call for `reason`; raises (does not return).
int lh_raise_kill(lua_State *L, int reason, const char *message);
/// Raise a sandbox violation at the caller's position; sticky for the call.
int lh_sandbox_violation(lua_State *L, const char *message);
/// Raise a time-limit error if the deadline has passed, or a cancellation
/// if one was requested.
int lh_check_deadline(lua_State *L);
/// Charge `steps` units of work done inside a library C function (where the
/// count hook never fires) to the running call, as instructions; then check
/// the budget, the deadline and cancellation. Raises when a limit is hit.
void lh_charge(lua_State *L, int64_t steps);
/// How many steps a C loop takes between two lh_charge calls.
#define LH_CHARGE_EVERY 1024
/// Replace string.find/match/gmatch/gsub with the interruptible matcher.
void lh_install_patterns(lua_State *L);
/// Replace table.insert/remove/move/concat/unpack/sort with versions that
/// charge their loops (tablib.c).
void lh_install_table_functions(lua_State *L);

/// Arm the count hook now (budget accounting starts from c->executed).
void lh_arm_hook(lua_State *L, lh_control *c);

/// The watchdog (watchdog.c): register a state, mark calls running, forget it.
int lh_watch_register(lh_control *c, lua_State *L);
void lh_watch_unregister(lh_control *c);
void lh_watch_begin(lh_control *c);
void lh_watch_end(lh_control *c);

#endif
