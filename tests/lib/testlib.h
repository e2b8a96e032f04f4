/*
 * Support for the test programs: child processes stopped by PID, temporary
 * directories, hex fixtures.
 */
#ifndef YN_TESTLIB_H
#define YN_TESTLIB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Start argv[0] (a path) with argv; returns the PID or -1.  The child gets
 * its own process group so that yn_test_stop can reach its children too. */
pid_t yn_test_spawn(char *const argv[]);
/* SIGTERM the child (and its group), wait up to 5 s, then SIGKILL; always
 * reaps it.  Returns its exit status as from waitpid, or -1. */
int yn_test_stop(pid_t pid);
/* Build directory of the running test ($YN_BUILD or "build"), for helper
 * programs: yn_test_prog("smokecard") -> "build/tests/smokecard". */
const char *yn_test_prog(const char *name);
/* A fresh empty directory under /tmp; removed with yn_test_rmtree. */
char *yn_test_tmpdir(void);
void yn_test_rmtree(const char *path);
/* Decode hex into a static-sized buffer; aborts the test on a bad literal. */
size_t yn_test_hex(const char *hex, uint8_t *out, size_t cap);

#endif
