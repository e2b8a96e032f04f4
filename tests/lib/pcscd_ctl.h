/*
 * Stopping and starting pcscd inside a PC/SC test (scripts/pcsc-rig runs
 * the first one).  Only one pcscd can run on a machine, so a restart is
 * stop, wait until it is gone, start, wait until it is ready.  The PID of
 * the pcscd a test started is written to $YN_PCSCD_PIDFILE so that the rig
 * stops it at the end whatever happens to the test.
 */
#ifndef YN_TEST_PCSCD_CTL_H
#define YN_TEST_PCSCD_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Stop the pcscd that runs now: the one this process started (SIGTERM,
 * reaped), else the rig's ($YN_PCSCD_PIDFILE, else $YN_PCSCD_PID: SIGTERM,
 * then wait until it has exited or is a zombie).  Also waits until its
 * socket is gone.  0, or -1 if it would not stop within 5 s. */
int yn_pcscd_stop(void);

/* Start `pcscd -f -c confdir` (confdir NULL: $YN_PCSC_CONF, the rig's) as a
 * child of this process, its output appended to $YN_PCSCD_LOG (or
 * /dev/null; with -d -a when $YN_PCSCD_DEBUG is set), and wait until it is ready: the socket file is there and
 * every TCP port in ports[0..n) is listening (vpcd's ports; never probed by
 * connecting, vpcd would take that for a card).  Returns 0, or -1 if pcscd
 * exited or was not ready within 5 s (it is stopped then).  A pcscd still
 * running when the process exits is stopped then (atexit). */
int yn_pcscd_start(const char *confdir, const uint16_t *ports, size_t n);

/* PID of the pcscd that runs now (started here, else the rig's), or -1. */
pid_t yn_pcscd_pid(void);

/* Nonzero if some process listens on TCP port (IPv4 or IPv6). */
int yn_tcp_listening(uint16_t port);

/* Write a reader.conf.d entry file dir/name for one vpcd instance: readers
 * "<friendly> 00 00" on port and "<friendly> 00 01" on port + 1. */
int yn_pcscd_conf_vpcd(const char *dir, const char *name, const char *friendly, uint16_t port);

#endif
