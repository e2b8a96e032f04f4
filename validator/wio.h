/*
 * The write layer: every byte the validator's durable state (journal,
 * denylist rollback floor, installed lists) puts on disk goes through here,
 * so that tests can make any write or sync boundary fail or "crash".
 *
 * A boundary is one call of yn_wio_pwrite, yn_wio_sync, yn_wio_datasync,
 * yn_wio_truncate, yn_wio_allocate, yn_wio_rename or yn_wio_sync_dir.
 * Boundaries are counted process-wide from the last yn_wio_fault_set().
 *
 * Faults (for tests; production never calls yn_wio_fault_set):
 *   YN_WIO_FAIL   the Nth boundary fails with YN_EIO and does nothing;
 *                 later boundaries work again (a transient I/O error).
 *   YN_WIO_CRASH  the Nth boundary is cut short as by a power cut: a pwrite
 *                 writes only its first half (rounded down), any other
 *                 boundary does nothing; it and every later boundary fail
 *                 with YN_EIO until the fault is cleared (the "process" is
 *                 dead and the test then plays the next boot).
 *
 * Power-loss test hook (docs/reliability.md): if the environment variable
 * YN_TEST_WIO_KILL_AT=N (decimal, N >= 1) is set when the first boundary
 * is reached, the process kills itself with SIGKILL at its Nth boundary,
 * counted from process start, before that boundary does anything;
 * "N:half" lets a pwrite boundary write the first half of its bytes
 * first.  It exists in every build (a process whose environment an
 * attacker can set can be killed anyway) and logs a warning when armed.
 * Nothing else reads it; a malformed value is ignored.
 *
 * All functions return 0 or a negative YN_E* code, with the path and errno
 * logged; EINTR is retried and short writes are completed.
 */
#ifndef YN_WIO_H
#define YN_WIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum yn_wio_fault {
	YN_WIO_NONE = 0,
	YN_WIO_FAIL = 1,
	YN_WIO_CRASH = 2,
};

/* Arm a fault at boundary number n (1 = the next boundary) and reset the
 * counter.  YN_WIO_NONE (any n) disarms it and revives a crashed layer. */
void yn_wio_fault_set(enum yn_wio_fault kind, unsigned long n);
/* Boundaries passed since the last yn_wio_fault_set() (or process start). */
unsigned long yn_wio_boundaries(void);
/* Nonzero once a YN_WIO_CRASH fault has fired (until disarmed). */
int yn_wio_crashed(void);

/* open(2) with O_CLOEXEC added; *fd is -1 after a failure.  Opening is not
 * a boundary (it changes nothing durable until a write or sync). */
int yn_wio_open(const char *path, int flags, mode_t mode, int *fd);
/* Write all n bytes at off. */
int yn_wio_pwrite(int fd, const void *p, size_t n, off_t off);
/* fsync(2) / fdatasync(2). */
int yn_wio_sync(int fd);
int yn_wio_datasync(int fd);
/* ftruncate(2). */
int yn_wio_truncate(int fd, off_t len);
/* Reserve [off, off+len) on disk (fallocate, mode 0: the file grows and the
 * new range reads as zeros).  YN_ENOTSUP if the file system cannot; callers
 * then simply append. */
int yn_wio_allocate(int fd, off_t off, off_t len);
/* rename(2). */
int yn_wio_rename(const char *from, const char *to);
/* fsync the directory dir, making a rename or a new entry in it durable. */
int yn_wio_sync_dir(const char *dir);
/* Write a whole small file atomically and durably: path.tmp is written,
 * synced, renamed over path and the directory synced.  After a failure or a
 * crash path holds either its old or its new content, never a mix. */
int yn_wio_write_file(const char *path, const void *p, size_t n, mode_t mode);

/* CRC-32C (Castagnoli, reflected 0x82F63B78, preset and final XOR
 * 0xFFFFFFFF), the checksum of our on-disk records.  Check value:
 * "123456789" -> 0xE3069283.  crc is 0 to start, or a previous result to
 * continue over more bytes. */
uint32_t yn_crc32c(uint32_t crc, const void *p, size_t n);

#endif
