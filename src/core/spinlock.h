/* SPDX-License-Identifier: MIT */
/*
 * A spinlock, as Linux's spinlock_t is used: held for short, bounded work
 * (a range-cache pop, a page-table update), never across a sleep. An
 * uncontended lock and unlock are one atomic exchange and one release
 * store, inline. A waiter yields the CPU now and then, since in userspace
 * the holder may be preempted.
 */
#ifndef PHYR_SRC_SPINLOCK_H
#define PHYR_SRC_SPINLOCK_H

#include <sched.h>
#include <stdatomic.h>

typedef struct {
	atomic_int v;
} spinlock_t;

static inline void spin_lock_init(spinlock_t *l)
{
	atomic_init(&l->v, 0);
}

static inline void spin_lock(spinlock_t *l)
{
	unsigned int spins = 0;

	while (atomic_exchange_explicit(&l->v, 1, memory_order_acquire)) {
		while (atomic_load_explicit(&l->v, memory_order_relaxed)) {
			if (++spins % 256 == 0)
				sched_yield(); /* the holder may be preempted */
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
		}
	}
}

static inline void spin_unlock(spinlock_t *l)
{
	atomic_store_explicit(&l->v, 0, memory_order_release);
}

#endif /* PHYR_SRC_SPINLOCK_H */
