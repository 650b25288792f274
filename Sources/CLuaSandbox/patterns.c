// Lua 5.4 pattern matching (string.find, match, gmatch, gsub) that can be
// interrupted.
//
// The stock matcher is a C function: Lua's count hook never fires inside it,
// so a backtracking pattern such as ("a"):rep(1e5):find(".-.-.-b") runs for
// minutes regardless of the instruction budget. This implementation follows
// the documented semantics of Lua 5.4 patterns (§6.4.1 of the manual) and
// charges its matching steps to the call (lh_charge: they count as
// instructions, and the deadline is checked every LH_CHARGE_EVERY steps).
// Its behaviour is pinned against the stock library by the LuaHost tests.

#define _GNU_SOURCE   // memmem
#include "internal.h"

#include <ctype.h>
#include <lauxlib.h>
#include <lualib.h>
#include <string.h>

#define ESCAPE '%'
#define SPECIALS "^$*+?.([%-"
#define MAX_CAPTURES 32
#define MAX_DEPTH 200
#define CAPTURE_OPEN (-1)
#define CAPTURE_POSITION (-2)

typedef unsigned char byte;

typedef struct {
    const char *subject;      // start of the subject
    const char *subject_end;
    const char *pattern_end;
    lua_State *L;
    int depth;                // remaining recursion allowed
    unsigned steps;
    int level;                // captures opened so far
    struct {
        const char *start;
        ptrdiff_t length;     // or CAPTURE_OPEN / CAPTURE_POSITION
    } capture[MAX_CAPTURES];
} Matcher;

static const char *match_here(Matcher *m, const char *s, const char *p);

// MARK: - Character classes

static int class_matches(int c, int class) {
    int result;
    switch (tolower(class)) {
        case 'a': result = isalpha(c); break;
        case 'c': result = iscntrl(c); break;
        case 'd': result = isdigit(c); break;
        case 'g': result = isgraph(c); break;
        case 'l': result = islower(c); break;
        case 'p': result = ispunct(c); break;
        case 's': result = isspace(c); break;
        case 'u': result = isupper(c); break;
        case 'w': result = isalnum(c); break;
        case 'x': result = isxdigit(c); break;
        default: return class == c;
    }
    if (isupper(class)) result = !result;
    return result;
}

// The end of the single-character class starting at p.
static const char *class_end(Matcher *m, const char *p) {
    switch (*p++) {
        case ESCAPE:
            if (p == m->pattern_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
            return p + 1;
        case '[':
            if (*p == '^') p++;
            do {
                if (p == m->pattern_end) luaL_error(m->L, "malformed pattern (missing ']')");
                if (*(p++) == ESCAPE && p < m->pattern_end) p++;
            } while (*p != ']');
            return p + 1;
        default:
            return p;
    }
}

// Does c belong to the set [ ... ] spanning p (the '[') to close (the ']')?
static int set_matches(int c, const char *p, const char *close) {
    int wanted = 1;
    if (*(p + 1) == '^') {
        wanted = 0;
        p++;
    }
    while (++p < close) {
        if (*p == ESCAPE) {
            p++;
            if (class_matches(c, (byte)*p)) return wanted;
        } else if (*(p + 1) == '-' && p + 2 < close) {
            p += 2;
            if ((byte)*(p - 2) <= c && c <= (byte)*p) return wanted;
        } else if ((byte)*p == c) {
            return wanted;
        }
    }
    return !wanted;
}

static int single_matches(Matcher *m, const char *s, const char *p, const char *class_stop) {
    if (s >= m->subject_end) return 0;
    int c = (byte)*s;
    switch (*p) {
        case '.': return 1;
        case ESCAPE: return class_matches(c, (byte)*(p + 1));
        case '[': return set_matches(c, p, class_stop - 1);
        default: return (byte)*p == c;
    }
}

// MARK: - Pattern items

static const char *match_balance(Matcher *m, const char *s, const char *p) {
    if (p >= m->pattern_end - 1) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->subject_end || *s != *p) return NULL;
    int open = *p, close = *(p + 1), depth = 1;
    while (++s < m->subject_end) {
        if (*s == close) {
            if (--depth == 0) return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

static const char *expand_greedy(Matcher *m, const char *s, const char *p, const char *class_stop) {
    ptrdiff_t count = 0;
    while (single_matches(m, s + count, p, class_stop)) count++;
    while (count >= 0) {
        const char *result = match_here(m, s + count, class_stop + 1);
        if (result) return result;
        count--;
    }
    return NULL;
}

static const char *expand_lazy(Matcher *m, const char *s, const char *p, const char *class_stop) {
    for (;;) {
        const char *result = match_here(m, s, class_stop + 1);
        if (result) return result;
        if (single_matches(m, s, p, class_stop)) s++;
        else return NULL;
    }
}

static const char *open_capture(Matcher *m, const char *s, const char *p, ptrdiff_t kind) {
    if (m->level >= MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->capture[m->level].start = s;
    m->capture[m->level].length = kind;
    m->level++;
    const char *result = match_here(m, s, p);
    if (result == NULL) m->level--;
    return result;
}

static int innermost_open_capture(Matcher *m) {
    for (int level = m->level - 1; level >= 0; level--) {
        if (m->capture[level].length == CAPTURE_OPEN) return level;
    }
    return luaL_error(m->L, "invalid pattern capture");
}

static const char *close_capture(Matcher *m, const char *s, const char *p) {
    int level = innermost_open_capture(m);
    m->capture[level].length = s - m->capture[level].start;
    const char *result = match_here(m, s, p);
    if (result == NULL) m->capture[level].length = CAPTURE_OPEN;
    return result;
}

static int capture_index(Matcher *m, int digit) {
    int index = digit - '1';
    if (index < 0 || index >= m->level || m->capture[index].length == CAPTURE_OPEN) {
        return luaL_error(m->L, "invalid capture index %%%d", index + 1);
    }
    return index;
}

static const char *match_back_reference(Matcher *m, const char *s, int digit) {
    int index = capture_index(m, digit);
    size_t length = (size_t)m->capture[index].length;
    if ((size_t)(m->subject_end - s) >= length && memcmp(m->capture[index].start, s, length) == 0) {
        return s + length;
    }
    return NULL;
}

// MARK: - The matcher

static const char *match_here(Matcher *m, const char *s, const char *p) {
    if (m->depth-- == 0) luaL_error(m->L, "pattern too complex");
    if (++m->steps % LH_CHARGE_EVERY == 0) lh_charge(m->L, LH_CHARGE_EVERY);
    while (s != NULL && p != m->pattern_end) {
        switch (*p) {
            case '(':
                if (*(p + 1) == ')') s = open_capture(m, s, p + 2, CAPTURE_POSITION);
                else s = open_capture(m, s, p + 1, CAPTURE_OPEN);
                goto done;
            case ')':
                s = close_capture(m, s, p + 1);
                goto done;
            case '$':
                if (p + 1 != m->pattern_end) goto single;
                if (s != m->subject_end) s = NULL;
                goto done;
            case ESCAPE:
                switch (*(p + 1)) {
                    case 'b':
                        s = match_balance(m, s, p + 2);
                        if (s != NULL) {
                            p += 4;
                            continue;
                        }
                        goto done;
                    case 'f': {
                        p += 2;
                        if (*p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
                        const char *stop = class_end(m, p);
                        int previous = (s == m->subject) ? '\0' : (byte)*(s - 1);
                        int current = (s < m->subject_end) ? (byte)*s : '\0';
                        if (!set_matches(previous, p, stop - 1) && set_matches(current, p, stop - 1)) {
                            p = stop;
                            continue;
                        }
                        s = NULL;
                        goto done;
                    }
                    case '0': case '1': case '2': case '3': case '4':
                    case '5': case '6': case '7': case '8': case '9':
                        s = match_back_reference(m, s, (byte)*(p + 1));
                        if (s != NULL) {
                            p += 2;
                            continue;
                        }
                        goto done;
                    default:
                        goto single;
                }
            default:
            single: {
                const char *stop = class_end(m, p);
                char suffix = (stop < m->pattern_end) ? *stop : '\0';
                if (!single_matches(m, s, p, stop)) {
                    if (suffix == '*' || suffix == '?' || suffix == '-') {
                        p = stop + 1;
                        continue;
                    }
                    s = NULL;
                    goto done;
                }
                switch (suffix) {
                    case '?': {
                        const char *result = match_here(m, s + 1, stop + 1);
                        if (result != NULL) {
                            s = result;
                            goto done;
                        }
                        p = stop + 1;
                        continue;
                    }
                    case '+': s = expand_greedy(m, s + 1, p, stop); goto done;
                    case '*': s = expand_greedy(m, s, p, stop); goto done;
                    case '-': s = expand_lazy(m, s, p, stop); goto done;
                    default:
                        s++;
                        p = stop;
                        continue;
                }
            }
        }
    }
done:
    m->depth++;
    return s;
}

// MARK: - Captures

static void prepare(Matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L;
    m->depth = MAX_DEPTH;
    m->steps = 0;
    m->subject = s;
    m->subject_end = s + ls;
    m->pattern_end = p + lp;
    m->level = 0;
}

static void restart(Matcher *m) {
    m->level = 0;
    m->depth = MAX_DEPTH;
}

static void push_capture(Matcher *m, int i, const char *s, const char *e) {
    if (i >= m->level) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(m->L, s, (size_t)(e - s));   // the whole match
        return;
    }
    ptrdiff_t length = m->capture[i].length;
    if (length == CAPTURE_OPEN) luaL_error(m->L, "unfinished capture");
    if (length == CAPTURE_POSITION) {
        lua_pushinteger(m->L, (lua_Integer)(m->capture[i].start - m->subject) + 1);
    } else {
        lua_pushlstring(m->L, m->capture[i].start, (size_t)length);
    }
}

static int push_captures(Matcher *m, const char *s, const char *e) {
    int count = (m->level == 0 && s != NULL) ? 1 : m->level;
    luaL_checkstack(m->L, count, "too many captures");
    for (int i = 0; i < count; i++) push_capture(m, i, s, e);
    return count;
}

// MARK: - Library functions

static size_t start_offset(lua_Integer position, size_t length) {
    if (position > 0) return (size_t)position;
    if (position == 0) return 1;
    if (position < -(lua_Integer)length) return 1;
    return length + (size_t)position + 1;
}

static int has_specials(const char *p, size_t length) {
    size_t offset = 0;
    do {
        if (strpbrk(p + offset, SPECIALS) != NULL) return 1;
        offset += strlen(p + offset) + 1;
    } while (offset <= length);
    return 0;
}

// glibc's memmem is linear in both lengths; a memchr + memcmp scan takes
// their product (("a"):rep(3e7):find(("a"):rep(1e7) .. "b", 1, true) ran for hours).
static const char *find_plain(const char *s, size_t ls, const char *p, size_t lp) {
    if (lp == 0) return s;
    return memmem(s, ls, p, lp);
}

static int find_or_match(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_offset(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        const char *at = find_plain(s + init, ls - init, p, lp);
        if (at != NULL) {
            lua_pushinteger(L, (lua_Integer)(at - s) + 1);
            lua_pushinteger(L, (lua_Integer)(at - s + lp));
            return 2;
        }
    } else {
        Matcher m;
        const char *start = s + init;
        int anchored = (*p == '^');
        if (anchored) {
            p++;
            lp--;
        }
        prepare(&m, L, s, ls, p, lp);
        do {
            restart(&m);
            const char *end = match_here(&m, start, p);
            if (end != NULL) {
                if (find) {
                    lua_pushinteger(L, (lua_Integer)(start - s) + 1);
                    lua_pushinteger(L, (lua_Integer)(end - s));
                    return push_captures(&m, NULL, NULL) + 2;
                }
                return push_captures(&m, start, end);
            }
        } while (start++ < m.subject_end && !anchored);
    }
    luaL_pushfail(L);
    return 1;
}

static int str_find(lua_State *L) { return find_or_match(L, 1); }
static int str_match(lua_State *L) { return find_or_match(L, 0); }

typedef struct {
    const char *next;         // where the next search starts
    const char *pattern;
    const char *last_match;   // end of the previous match (no empty repeat)
    Matcher m;
} GlobalMatch;

static int gmatch_step(lua_State *L) {
    GlobalMatch *g = (GlobalMatch *)lua_touserdata(L, lua_upvalueindex(3));
    g->m.L = L;
    for (const char *start = g->next; start <= g->m.subject_end; start++) {
        restart(&g->m);
        const char *end = match_here(&g->m, start, g->pattern);
        if (end != NULL && end != g->last_match) {
            g->next = g->last_match = end;
            return push_captures(&g->m, start, end);
        }
    }
    return 0;
}

static int str_gmatch(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_offset(luaL_optinteger(L, 3, 1), ls) - 1;
    lua_settop(L, 2);   // the closure keeps subject and pattern alive
    GlobalMatch *g = (GlobalMatch *)lua_newuserdatauv(L, sizeof(GlobalMatch), 0);
    if (init > ls) init = ls + 1;
    prepare(&g->m, L, s, ls, p, lp);
    g->next = s + init;
    g->pattern = p;
    g->last_match = NULL;
    lua_pushcclosure(L, gmatch_step, 3);
    return 1;
}

static void add_template(Matcher *m, luaL_Buffer *b, const char *s, const char *e) {
    lua_State *L = m->L;
    size_t length;
    const char *text = lua_tolstring(L, 3, &length);
    const char *escape;
    while ((escape = memchr(text, ESCAPE, length)) != NULL) {
        luaL_addlstring(b, text, (size_t)(escape - text));
        escape++;
        if (*escape == ESCAPE) {
            luaL_addchar(b, *escape);
        } else if (*escape == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit((byte)*escape)) {
            push_capture(m, *escape - '1', s, e);
            luaL_tolstring(L, -1, NULL);
            lua_remove(L, -2);
            luaL_addvalue(b);
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", ESCAPE);
        }
        length -= (size_t)(escape + 1 - text);
        text = escape + 1;
    }
    luaL_addlstring(b, text, length);
}

// Append the replacement for the match s..e; returns whether it changed text.
static int add_replacement(Matcher *m, luaL_Buffer *b, const char *s, const char *e, int kind) {
    lua_State *L = m->L;
    switch (kind) {
        case LUA_TFUNCTION: {
            lua_pushvalue(L, 3);
            int n = push_captures(m, s, e);
            lua_call(L, n, 1);
            break;
        }
        case LUA_TTABLE:
            push_capture(m, 0, s, e);
            lua_gettable(L, 3);
            break;
        default:
            add_template(m, b, s, e);
            return 1;
    }
    if (!lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1)) {
        return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    }
    luaL_addvalue(b);
    return 1;
}

static int str_gsub(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    const char *last_match = NULL;
    int kind = lua_type(L, 3);
    lua_Integer limit = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    int anchored = (*p == '^');
    lua_Integer count = 0;
    int changed = 0;
    Matcher m;
    luaL_Buffer b;
    luaL_argexpected(L, kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION || kind == LUA_TTABLE,
                     3, "string/function/table");
    luaL_buffinit(L, &b);
    if (anchored) {
        p++;
        lp--;
    }
    prepare(&m, L, s, ls, p, lp);
    while (count < limit) {
        restart(&m);
        const char *end = match_here(&m, s, p);
        if (end != NULL && end != last_match) {
            count++;
            changed = add_replacement(&m, &b, s, end, kind) | changed;
            s = last_match = end;
        } else if (s < m.subject_end) {
            luaL_addchar(&b, *s++);
        } else {
            break;
        }
        if (anchored) break;
    }
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, s, (size_t)(m.subject_end - s));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, count);
    return 2;
}

void lh_install_patterns(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"find", str_find}, {"match", str_match}, {"gmatch", str_gmatch}, {"gsub", str_gsub}, {NULL, NULL}
    };
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, LUA_STRLIBNAME);
    // Keep the stock functions reachable for the equivalence tests only
    // through the registry, never from scripts.
    lua_createtable(L, 0, 4);
    for (const luaL_Reg *f = functions; f->name; f++) {
        lua_getfield(L, -2, f->name);
        lua_setfield(L, -2, f->name);
    }
    lua_setfield(L, LUA_REGISTRYINDEX, "partnerscore.stock_string");
    luaL_setfuncs(L, functions, 0);
    lua_pop(L, 2);
}
