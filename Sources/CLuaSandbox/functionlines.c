// The lines of every function a chunk defines, for line coverage
// (`partnerscore test --coverage`). Lua's API gives the lines of one function
// (lua_getinfo "L") but not of the functions nested in it, and a helper
// module's functions are nested in its main chunk. A chunk's binary dump
// holds every prototype with its line information: compile the text (never
// run it), dump it, and read the dump the way Lua 5.4's ldump.c writes it.

#include "CLuaSandbox.h"

#include <lauxlib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// lineinfo holds a line delta per instruction; this value says "see abslineinfo".
#define ABSLINEINFO (-0x80)
// Lua nests functions at most LUAI_MAXCCALLS (200) deep; more is a corrupt dump.
#define MAX_DEPTH 256

typedef struct {
    unsigned char *data;
    size_t size, capacity;
} dump_buffer;

static int write_dump(lua_State *L, const void *bytes, size_t size, void *ud) {
    (void)L;
    dump_buffer *b = ud;
    if (b->size + size > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 4096;
        while (capacity < b->size + size) capacity *= 2;
        unsigned char *data = realloc(b->data, capacity);
        if (data == NULL) return 1;
        b->data = data;
        b->capacity = capacity;
    }
    memcpy(b->data + b->size, bytes, size);
    b->size += size;
    return 0;
}

typedef struct {
    const unsigned char *p, *end;
    int ok;
    size_t instruction, integer, number;   // sizes from the header
} reader;

static int read_byte(reader *r) {
    if (r->p >= r->end) {
        r->ok = 0;
        return 0;
    }
    return *r->p++;
}

// ldump.c's dumpSize: 7 bits a byte, most significant first, the last byte marked with 0x80.
static size_t read_size(reader *r) {
    size_t x = 0;
    int b;
    do {
        b = read_byte(r);
        if (!r->ok || x > (SIZE_MAX >> 7)) {
            r->ok = 0;
            return 0;
        }
        x = (x << 7) | (size_t)(b & 0x7f);
    } while ((b & 0x80) == 0);
    return x;
}

static void skip(reader *r, size_t n) {
    if ((size_t)(r->end - r->p) < n) {
        r->ok = 0;
        r->p = r->end;
    } else {
        r->p += n;
    }
}

static void skip_string(reader *r) {
    size_t n = read_size(r);   // length + 1, or 0 for none
    if (n > 0) skip(r, n - 1);
}

// The line of instruction `pc`, given the previous one's (luaG_getfuncline's
// walk, forward only: `abs` reads the (pc, line) pairs in pc order).
static int next_line(const signed char *lineinfo, reader *abs, size_t *abs_left, int current, size_t pc) {
    if (lineinfo[pc] != ABSLINEINFO) return current + lineinfo[pc];
    while (*abs_left > 0 && abs->ok) {
        size_t at = read_size(abs);
        size_t line = read_size(abs);
        (*abs_left)--;
        if (at == pc) return (int)line;
    }
    abs->ok = 0;
    return current;
}

// Read one function prototype; for every function but the main chunk, append
// a table { [line] = true } of its lines to the array at `out`.
static void read_function(lua_State *L, reader *r, int out, int is_main, int depth) {
    if (depth > MAX_DEPTH) {
        r->ok = 0;
        return;
    }
    skip_string(r);                              // source
    int linedefined = (int)read_size(r);
    int lastlinedefined = (int)read_size(r);
    read_byte(r);                                // numparams
    int is_vararg = read_byte(r);
    read_byte(r);                                // maxstacksize
    skip(r, read_size(r) * r->instruction);      // code
    size_t constants = read_size(r);
    for (size_t i = 0; i < constants && r->ok; i++) {
        switch (read_byte(r)) {
        case 0x00: case 0x01: case 0x11: break;                  // nil, false, true
        case 0x03: skip(r, r->integer); break;                   // integer
        case 0x13: skip(r, r->number); break;                    // float
        case 0x04: case 0x14: skip_string(r); break;             // short, long string
        default: r->ok = 0;
        }
    }
    skip(r, read_size(r) * 3);                   // upvalues: instack, idx, kind
    size_t protos = read_size(r);
    for (size_t i = 0; i < protos && r->ok; i++) read_function(L, r, out, 0, depth + 1);
    if (!r->ok) return;
    size_t lines = read_size(r);
    const signed char *lineinfo = (const signed char *)r->p;
    skip(r, lines);
    size_t abs_count = read_size(r);
    reader abs = *r;
    for (size_t i = 0; i < abs_count * 2 && r->ok; i++) read_size(r);
    size_t locals = read_size(r);
    for (size_t i = 0; i < locals && r->ok; i++) {
        skip_string(r);
        read_size(r);
        read_size(r);
    }
    size_t upvalue_names = read_size(r);
    for (size_t i = 0; i < upvalue_names && r->ok; i++) skip_string(r);
    if (!r->ok || is_main) return;

    // As lua_getinfo "L" collects a function's lines (ldebug.c, collectvalidlines).
    lua_createtable(L, 0, (int)(lines < 64 ? lines : 64));
    int current = linedefined;
    size_t pc = 0, abs_left = abs_count;
    if (is_vararg && lines > 0) {                // OP_VARARGPREP: not a line of its own
        current = next_line(lineinfo, &abs, &abs_left, current, 0);
        pc = 1;
    }
    for (; pc < lines; pc++) {
        current = next_line(lineinfo, &abs, &abs_left, current, pc);
        lua_pushboolean(L, 1);
        lua_rawseti(L, -2, current);
    }
    // The closing `end` holds only the implicit return (as in lh_push_active_lines).
    if (lastlinedefined > linedefined) {
        lua_pushnil(L);
        lua_rawseti(L, -2, lastlinedefined);
    }
    if (!abs.ok) {
        lua_pop(L, 1);
        r->ok = 0;
        return;
    }
    lua_rawseti(L, out, (lua_Integer)lua_rawlen(L, out) + 1);
}

int lh_push_function_lines(lua_State *L, const char *source, size_t length, const char *chunkname) {
    int top = lua_gettop(L);
    if (luaL_loadbufferx(L, source, length, chunkname, "t") != LUA_OK) {
        lua_settop(L, top);
        return -1;
    }
    dump_buffer buffer = { NULL, 0, 0 };
    int failed = lua_dump(L, write_dump, &buffer, 0);
    lua_settop(L, top);
    if (failed || buffer.data == NULL) {
        free(buffer.data);
        return -1;
    }
    reader r = { buffer.data, buffer.data + buffer.size, 1, 0, 0, 0 };
    // Header: signature, version 5.4, format 0, LUAC_DATA, then the sizes of
    // an instruction, an integer and a number, and a sample of each of the last two.
    static const char signature[] = LUA_SIGNATURE;
    if (buffer.size < 15 || memcmp(buffer.data, signature, 4) != 0 || buffer.data[4] != 0x54 || buffer.data[5] != 0) {
        free(buffer.data);
        return -1;
    }
    skip(&r, 12);
    r.instruction = (size_t)read_byte(&r);
    r.integer = (size_t)read_byte(&r);
    r.number = (size_t)read_byte(&r);
    skip(&r, r.integer + r.number);
    read_byte(&r);                               // the main closure's upvalue count
    lua_newtable(L);
    read_function(L, &r, lua_gettop(L), 1, 0);
    free(buffer.data);
    if (!r.ok) {
        lua_settop(L, top);
        return -1;
    }
    return 0;
}
