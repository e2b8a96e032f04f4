/*
 * The DESFire terminal layer against the software card through the real
 * PC/SC stack: the same tests as tests/unit/test_desfire_emu.c (every
 * command in every mode, and the errors), with the card served by
 * `yinian card serve` on the vpcd reader behind pcscd.  Run under
 * scripts/pcsc-rig.
 */
#define YN_TEST_OVER_PCSC 1
#include "tests/unit/test_desfire_emu.c"
