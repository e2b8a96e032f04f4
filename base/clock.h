/*
 * Monotonic time and deadlines.  A deadline is an absolute CLOCK_MONOTONIC
 * time in nanoseconds; every reader call takes one, so the time left is
 * computed at the point of use and never accumulates rounding.
 */
#ifndef YN_CLOCK_H
#define YN_CLOCK_H

#include <stdint.h>

#define YN_NS_PER_MS 1000000ull
#define YN_NS_PER_S 1000000000ull
/* A deadline that never passes. */
#define YN_DEADLINE_NONE UINT64_MAX

/* Nanoseconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
uint64_t yn_now_ns(void);
/* now + ms, saturating. */
uint64_t yn_deadline_in_ms(uint64_t ms);
/* Milliseconds until the deadline, rounded up; 0 if passed; capped at
 * INT32_MAX for YN_DEADLINE_NONE.  */
uint32_t yn_deadline_left_ms(uint64_t deadline_ns);
/* Nonzero if the deadline has passed. */
int yn_deadline_passed(uint64_t deadline_ns);
/* Sleep for ms milliseconds (restarts on EINTR). */
void yn_sleep_ms(uint32_t ms);

#endif
