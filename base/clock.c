#include "base/clock.h"

#include <errno.h>
#include <time.h>

uint64_t yn_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * YN_NS_PER_S + (uint64_t)ts.tv_nsec;
}

uint64_t yn_deadline_in_ms(uint64_t ms)
{
	uint64_t now = yn_now_ns();

	if (ms > (UINT64_MAX - now) / YN_NS_PER_MS)
		return YN_DEADLINE_NONE;
	return now + ms * YN_NS_PER_MS;
}

uint32_t yn_deadline_left_ms(uint64_t deadline_ns)
{
	uint64_t now, left;

	if (deadline_ns == YN_DEADLINE_NONE)
		return INT32_MAX;
	now = yn_now_ns();
	if (now >= deadline_ns)
		return 0;
	left = (deadline_ns - now + YN_NS_PER_MS - 1) / YN_NS_PER_MS;
	return left > INT32_MAX ? INT32_MAX : (uint32_t)left;
}

int yn_deadline_passed(uint64_t deadline_ns)
{
	return deadline_ns != YN_DEADLINE_NONE && yn_now_ns() >= deadline_ns;
}

void yn_sleep_ms(uint32_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}
