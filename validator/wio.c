#include "validator/wio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"

static _Atomic int fault_kind;
static _Atomic unsigned long fault_at;
static _Atomic unsigned long passed;
static _Atomic int dead;

void yn_wio_fault_set(enum yn_wio_fault kind, unsigned long n)
{
	atomic_store(&fault_kind, (int)kind);
	atomic_store(&fault_at, n);
	atomic_store(&passed, 0);
	atomic_store(&dead, 0);
}

unsigned long yn_wio_boundaries(void)
{
	return atomic_load(&passed);
}

int yn_wio_crashed(void)
{
	return atomic_load(&dead);
}

/* The power-loss test hook (wio.h): boundaries since process start and
 * the one at which the process kills itself; 0 = off.  Read once. */
static _Atomic unsigned long kill_seen;
static _Atomic unsigned long kill_at;
static _Atomic int kill_half;
static pthread_once_t kill_once = PTHREAD_ONCE_INIT;

static void kill_init(void)
{
	const char *v = getenv("YN_TEST_WIO_KILL_AT");
	unsigned long long n;
	char *end = NULL;

	if (v == NULL || *v == '\0')
		return;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || end == v || (*end != '\0' && strcmp(end, ":half") != 0) || n == 0 ||
	    n > ULONG_MAX)
		return;
	atomic_store(&kill_half, *end != '\0');
	atomic_store(&kill_at, (unsigned long)n);
	yn_warn("test hook YN_TEST_WIO_KILL_AT=%s is set: this process will SIGKILL itself at "
		"write/sync boundary %llu", v, n);
}

/* Count a boundary for the kill hook; when it is the armed one, die now
 * (after half of a pwrite's bytes, for ":half"). */
static void kill_point(int fd, const void *p, size_t n, off_t off)
{
	unsigned long k;

	pthread_once(&kill_once, kill_init);
	if (atomic_load(&kill_at) == 0)
		return;
	k = atomic_fetch_add(&kill_seen, 1) + 1;
	if (k != atomic_load(&kill_at))
		return;
	if (p != NULL && atomic_load(&kill_half) && n / 2 > 0)
		(void)!pwrite(fd, p, n / 2, off);
	raise(SIGKILL);
	for (;;)
		pause();
}

/* What a boundary does: proceed, fail, be cut short, or nothing (dead). */
enum { GO = 0, FAIL_NOW, CRASH_NOW, DEAD };

static int boundary_write(int fd, const void *p, size_t len, off_t off)
{
	unsigned long n;

	kill_point(fd, p, len, off);
	if (atomic_load(&dead))
		return DEAD;
	n = atomic_fetch_add(&passed, 1) + 1;
	if (atomic_load(&fault_kind) == YN_WIO_NONE || n != atomic_load(&fault_at))
		return 0;
	if (atomic_load(&fault_kind) == YN_WIO_CRASH) {
		atomic_store(&dead, 1);
		return CRASH_NOW;
	}
	return FAIL_NOW;
}

static int boundary(void)
{
	return boundary_write(-1, NULL, 0, 0);
}

static int io_err(const char *what, int fd, const char *path)
{
	int e = errno;

	if (path)
		yn_err("%s %s: %s", what, path, strerror(e));
	else
		yn_err("%s (fd %d): %s", what, fd, strerror(e));
	if (e == ENOENT)
		return YN_ENOENT;
	if (e == EEXIST)
		return YN_EEXIST;
	if (e == EACCES || e == EPERM)
		return YN_EACCES;
	return YN_EIO;
}

int yn_wio_open(const char *path, int flags, mode_t mode, int *fd)
{
	int f;

	*fd = -1;
	do
		f = open(path, flags | O_CLOEXEC, mode);
	while (f < 0 && errno == EINTR);
	if (f < 0)
		return io_err("open", -1, path);
	*fd = f;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n, off_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n > (size_t)SSIZE_MAX ? (size_t)SSIZE_MAX : n, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return io_err("write", fd, NULL);
		if (w == 0) {
			errno = ENOSPC;
			return io_err("write", fd, NULL);
		}
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

int yn_wio_pwrite(int fd, const void *p, size_t n, off_t off)
{
	switch (boundary_write(fd, p, n, off)) {
	case GO:
		return write_all(fd, p, n, off);
	case CRASH_NOW:
		/* A power cut in the middle of the write: half of it lands. */
		(void)write_all(fd, p, n / 2, off);
		return YN_EIO;
	default:
		return YN_EIO;
	}
}

static int simple(int fd, int (*op)(int), const char *what)
{
	int r = boundary();

	if (r != 0)
		return YN_EIO;
	while ((r = op(fd)) < 0 && errno == EINTR)
		;
	return r < 0 ? io_err(what, fd, NULL) : 0;
}

int yn_wio_sync(int fd)
{
	return simple(fd, fsync, "fsync");
}

int yn_wio_datasync(int fd)
{
	return simple(fd, fdatasync, "fdatasync");
}

int yn_wio_truncate(int fd, off_t len)
{
	int r = boundary();

	if (r != 0)
		return YN_EIO;
	while ((r = ftruncate(fd, len)) < 0 && errno == EINTR)
		;
	return r < 0 ? io_err("ftruncate", fd, NULL) : 0;
}

int yn_wio_allocate(int fd, off_t off, off_t len)
{
	int r = boundary();

	if (r != 0)
		return YN_EIO;
	while ((r = fallocate(fd, 0, off, len)) < 0 && errno == EINTR)
		;
	if (r < 0 && (errno == EOPNOTSUPP || errno == ENOSYS))
		return YN_ENOTSUP;
	return r < 0 ? io_err("fallocate", fd, NULL) : 0;
}

int yn_wio_rename(const char *from, const char *to)
{
	if (boundary() != 0)
		return YN_EIO;
	if (rename(from, to) < 0)
		return io_err("rename to", -1, to);
	return 0;
}

int yn_wio_sync_dir(const char *dir)
{
	int fd, r;

	if (boundary() != 0)
		return YN_EIO;
	if ((r = yn_wio_open(dir, O_RDONLY | O_DIRECTORY, 0, &fd)) != 0)
		return r;
	while ((r = fsync(fd)) < 0 && errno == EINTR)
		;
	r = r < 0 ? io_err("fsync directory", -1, dir) : 0;
	close(fd);
	return r;
}

int yn_wio_write_file(const char *path, const void *p, size_t n, mode_t mode)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *slash;
	int fd = -1, r;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return YN_EINVAL;
	slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((r = yn_wio_open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode, &fd)) != 0)
		return r;
	if ((r = yn_wio_pwrite(fd, p, n, 0)) != 0 || (r = yn_wio_sync(fd)) != 0)
		goto out;
	close(fd);
	fd = -1;
	if ((r = yn_wio_rename(tmp, path)) != 0)
		goto out;
	r = yn_wio_sync_dir(dir);
out:
	if (fd >= 0)
		close(fd);
	if (r != 0 && !yn_wio_crashed())
		unlink(tmp);
	return r;
}

/* Table for the reflected Castagnoli polynomial, built on first use. */
static uint32_t crc_table[256];
static _Atomic int crc_ready;

static void crc_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_table[i] = c;
	}
	atomic_store_explicit(&crc_ready, 1, memory_order_release);
}

#if defined(__x86_64__)
#include <nmmintrin.h>

/* SSE4.2's CRC32 instruction computes exactly CRC-32C, 8 bytes a step. */
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const uint8_t *b,
							 size_t n)
{
	uint64_t c = crc, v;

	while (n >= 8) {
		memcpy(&v, b, 8);
		c = _mm_crc32_u64(c, v);
		b += 8;
		n -= 8;
	}
	while (n--)
		c = _mm_crc32_u8((uint32_t)c, *b++);
	return (uint32_t)c;
}

static int have_hw(void)
{
	static _Atomic int have = -1;
	int h = atomic_load(&have);

	if (h < 0) {
		__builtin_cpu_init();
		h = __builtin_cpu_supports("sse4.2") ? 1 : 0;
		atomic_store(&have, h);
	}
	return h;
}
#endif

uint32_t yn_crc32c(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;

	crc = ~crc;
#if defined(__x86_64__)
	if (have_hw())
		return ~crc_hw(crc, b, n);
#endif
	/* Two threads may both build the table; they write the same values. */
	if (!atomic_load_explicit(&crc_ready, memory_order_acquire))
		crc_init();
	while (n--)
		crc = crc_table[(crc ^ *b++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}
