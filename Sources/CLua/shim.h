#ifndef PARTNERSCORE_CLUA_SHIM_H
#define PARTNERSCORE_CLUA_SHIM_H
// Debian's liblua5.4-dev (pkg-config lua5.4). Only the C API is imported here;
// everything that needs macros or longjmp lives in the CLuaSandbox target.
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#endif
