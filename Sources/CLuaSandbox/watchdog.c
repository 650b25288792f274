// The watchdog: arms the count hook of calls that run long.
//
// An armed count hook makes every Lua instruction go through the debug
// machinery (about 1.3-1.7x slower), while a policy evaluation is over in a
// microsecond. So calls start without a hook; one watchdog thread per process
// looks at the running calls every millisecond, and a call it sees running in
// two consecutive ticks gets a signal. The handler runs on the thread that
// runs the call and arms the hook with lua_sethook — the function Lua
// documents as safe to call from a signal handler (lua.c stops scripts on
// Ctrl-C the same way). From then on the hook enforces the budget and the
// deadline as usual.
//
// The watchdog never touches a lua_State itself: calling lua_sethook from
// another thread would race with the interpreter.

#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#define MAX_WATCHED 1024
#define TICK_NS 1000000L          // while calls are running
#define IDLE_TICK_NS 20000000L    // while none is

struct lh_watch {
    _Atomic int in_use;           // the slot belongs to a live state
    _Atomic unsigned epoch;       // bumped each time the slot is reused
    _Atomic int running;
    _Atomic unsigned generation;  // bumped at each call's start
    pthread_t thread;             // the thread running the current call
    lua_State *L;
    lh_control *control;
};

// Records live for the whole process (never freed, reused), so the watchdog
// can always read them safely.
static struct lh_watch g_watches[MAX_WATCHED];
static _Atomic int g_high_water = 0;
static pthread_once_t g_start_once = PTHREAD_ONCE_INIT;
static int g_started = 0;
static _Thread_local struct lh_watch *t_current = NULL;
static _Thread_local int t_signal_unblocked = 0;

static int watch_signal(void) { return SIGRTMIN + 7; }

static void on_watch_signal(int signo) {
    (void)signo;
    int saved_errno = errno;
    struct lh_watch *w = t_current;
    if (w != NULL && atomic_load_explicit(&w->running, memory_order_acquire)) {
        lh_control *c = w->control;
        if (!c->hook_live && c->killed == LH_KILL_NONE) {
            // Charge the time already spent, conservatively.
            int64_t elapsed = lh_now_ns() - c->call_started_ns;
            if (elapsed > 0) c->executed += (int64_t)((double)elapsed * LH_ESTIMATED_INSTRUCTIONS_PER_NS);
            lh_arm_hook(w->L, c);
        }
    }
    errno = saved_errno;
}

static void *watchdog_main(void *unused) {
    (void)unused;
    static unsigned seen_epoch[MAX_WATCHED];
    static unsigned seen_generation[MAX_WATCHED];
    static unsigned signaled_generation[MAX_WATCHED];
    for (;;) {
        int active = 0;
        int high = atomic_load(&g_high_water);
        for (int i = 0; i < high; i++) {
            struct lh_watch *w = &g_watches[i];
            if (!atomic_load_explicit(&w->in_use, memory_order_acquire)) continue;
            unsigned epoch = atomic_load_explicit(&w->epoch, memory_order_acquire);
            if (seen_epoch[i] != epoch) {   // a new state in this slot
                seen_epoch[i] = epoch;
                seen_generation[i] = 0;
                signaled_generation[i] = 0;
            }
            if (!atomic_load_explicit(&w->running, memory_order_acquire)) continue;
            active = 1;
            unsigned generation = atomic_load_explicit(&w->generation, memory_order_acquire);
            if (generation == seen_generation[i] && signaled_generation[i] != generation) {
                signaled_generation[i] = generation;
                pthread_kill(w->thread, watch_signal());
            }
            seen_generation[i] = generation;
        }
        struct timespec pause = {0, active ? TICK_NS : IDLE_TICK_NS};
        nanosleep(&pause, NULL);
    }
    return NULL;
}

static void start_watchdog(void) {
    struct sigaction action;
    action.sa_handler = on_watch_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (sigaction(watch_signal(), &action, NULL) != 0) return;
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attributes, 64 * 1024);
    // The watchdog must not receive its own signal.
    sigset_t blocked, previous;
    sigemptyset(&blocked);
    sigaddset(&blocked, watch_signal());
    pthread_sigmask(SIG_BLOCK, &blocked, &previous);
    if (pthread_create(&thread, &attributes, watchdog_main, NULL) == 0) g_started = 1;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    pthread_attr_destroy(&attributes);
}

int lh_watch_register(lh_control *c, lua_State *L) {
    pthread_once(&g_start_once, start_watchdog);
    if (!g_started) return -1;
    for (int i = 0; i < MAX_WATCHED; i++) {
        struct lh_watch *w = &g_watches[i];
        int expected = 0;
        if (atomic_compare_exchange_strong(&w->in_use, &expected, 1)) {
            atomic_store(&w->running, 0);
            w->L = L;
            w->control = c;
            atomic_fetch_add(&w->epoch, 1);
            int high = atomic_load(&g_high_water);
            while (high < i + 1 && !atomic_compare_exchange_weak(&g_high_water, &high, i + 1)) {}
            c->watch = w;
            return 0;
        }
    }
    return -1;   // too many live states
}

void lh_watch_unregister(lh_control *c) {
    struct lh_watch *w = c->watch;
    if (w == NULL) return;
    atomic_store(&w->running, 0);
    if (t_current == w) t_current = NULL;
    atomic_store_explicit(&w->in_use, 0, memory_order_release);
    c->watch = NULL;
}

void lh_watch_begin(lh_control *c) {
    struct lh_watch *w = c->watch;
    if (!t_signal_unblocked) {
        // Dispatch and Swift concurrency threads block most signals; this
        // thread runs Lua, so it must receive the watchdog's.
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, watch_signal());
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
        t_signal_unblocked = 1;
    }
    w->thread = pthread_self();
    t_current = w;
    atomic_fetch_add_explicit(&w->generation, 1, memory_order_relaxed);
    atomic_store_explicit(&w->running, 1, memory_order_release);
}

void lh_watch_end(lh_control *c) {
    struct lh_watch *w = c->watch;
    atomic_store_explicit(&w->running, 0, memory_order_release);
}
