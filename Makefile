# yinian — plain GNU make.  `make help` lists the targets.
#
# Sources are found by directory: every .c under the library directories goes
# into build/libyinian.a, except files ending in _main.c (program entry
# points).  Each directory may add rules in .mk files of its own (*/*.mk).

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UDEVDIR ?= /lib/udev/rules.d
UNITDIR ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
DESTDIR ?=

CC ?= cc
BUILD ?= build
PKG_CONFIG ?= pkg-config

PKGS := libpcsclite libnfc libcrypto jansson inih libsystemd libseccomp
TEST_PKGS := cmocka

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wmissing-declarations -Wpointer-arith -Wformat=2 -Wundef -Wvla \
	-Wwrite-strings -Wcast-align -Wimplicit-fallthrough -Wold-style-definition \
	-Wnested-externs -Wredundant-decls -Werror=implicit-function-declaration
OPT ?= -O2 -g
WERROR ?=
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(WERROR) -fno-strict-aliasing \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2 -I. -MMD -MP \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) $(SAN) $(CFLAGS)
LDLIBS_ALL = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lpthread -lm $(SAN) $(LDFLAGS) $(LDLIBS)
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

ifeq ($(V),1)
Q :=
quiet = @:
else
Q := @
quiet = @printf '  %-7s %s\n'
endif

LIB_DIRS := base crypto reader card card/emu validator
LIB_SRC := $(filter-out %_main.c,$(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libyinian.a

TOOL_SRC := $(wildcard tools/*.c)
TOOL_OBJ := $(TOOL_SRC:%.c=$(BUILD)/%.o)

PROGS := $(BUILD)/yinian
DAEMON_MAIN := $(wildcard validator/yiniand_main.c)
ifneq ($(DAEMON_MAIN),)
PROGS += $(BUILD)/yiniand
endif

# Test support code linked into every test program.
TESTLIB_SRC := $(wildcard tests/lib/*.c)
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(BUILD)/%.o)

# Unit tests: tests/unit/test_X.c -> build/tests/test_X, run by `make check`.
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_SH := $(wildcard tests/unit/test_*.sh)

# PC/SC tests: tests/pcsc/test_X.c (cmocka) and tests/pcsc/test_X.sh, each run
# alone under scripts/pcsc-rig (one pcscd per machine).
PCSC_SRC := $(wildcard tests/pcsc/test_*.c)
PCSC_BIN := $(PCSC_SRC:tests/pcsc/%.c=$(BUILD)/tests/%)
PCSC_SH := $(wildcard tests/pcsc/test_*.sh)
# Helper programs for tests: tests/progs/X.c -> build/tests/X.
PROG_SRC := $(wildcard tests/progs/*.c)
PROG_BIN := $(PROG_SRC:tests/progs/%.c=$(BUILD)/tests/%)

.PHONY: all check check-unit check-pcsc asan deps install uninstall clean help demo bench bench-full
all: $(LIB) $(PROGS)

-include $(wildcard */*.mk */*/*.mk)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(quiet) CC $<
	$(Q)$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(quiet) CC $<
	$(Q)$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	$(quiet) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/yinian: $(TOOL_OBJ) $(LIB)
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $(TOOL_OBJ) $(LIB) $(LDLIBS_ALL)

$(BUILD)/yiniand: $(BUILD)/validator/yiniand_main.o $(LIB)
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $< $(LIB) $(LDLIBS_ALL) $(DAEMON_LIBS)

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(TESTLIB_OBJ) $(LIB)
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $< $(TESTLIB_OBJ) $(LIB) $(LDLIBS_ALL) $(TEST_LIBS)

$(PCSC_BIN): $(BUILD)/tests/%: $(BUILD)/tests/pcsc/%.o $(TESTLIB_OBJ) $(LIB)
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $< $(TESTLIB_OBJ) $(LIB) $(LDLIBS_ALL) $(TEST_LIBS)

$(PROG_BIN): $(BUILD)/tests/%: $(BUILD)/tests/progs/%.o $(LIB)
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $< $(LIB) $(LDLIBS_ALL)

deps:
	@scripts/deps

# The README's test command.  Unit tests first (no services), then the PC/SC
# tests one at a time, each with its own pcscd.
check: deps
	@$(MAKE) --no-print-directory all tests
	@$(MAKE) --no-print-directory check-unit check-pcsc

tests: $(UNIT_BIN) $(PCSC_BIN) $(PROG_BIN) $(EXTRA_TEST_BINS)

check-unit: $(UNIT_BIN) $(PROG_BIN)
	@YN_BUILD=$(BUILD) scripts/run-tests unit $(UNIT_BIN) $(UNIT_SH)

check-pcsc: $(PCSC_BIN) $(PROG_BIN) $(PROGS)
	@YN_BUILD=$(BUILD) scripts/run-tests pcsc $(PCSC_BIN) $(PCSC_SH)

# AddressSanitizer + UndefinedBehaviorSanitizer build of everything, in its
# own build directory, then the same tests.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT='-O1 -g' \
		SAN='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
		all tests check-unit check-pcsc

demo: deps all
	@scripts/demo

bench: deps all
	@$(MAKE) --no-print-directory bench-bins
	@YN_BUILD=$(BUILD) scripts/bench

bench-full: deps all
	@$(MAKE) --no-print-directory bench-bins
	@YN_BUILD=$(BUILD) scripts/bench --full

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR)
	install -m 0755 $(BUILD)/yinian $(DESTDIR)$(BINDIR)/yinian
	if [ -x $(BUILD)/yiniand ]; then install -m 0755 $(BUILD)/yiniand $(DESTDIR)$(SBINDIR)/yiniand; fi
	install -d $(DESTDIR)$(UDEVDIR) $(DESTDIR)$(SYSCONFDIR)/modprobe.d $(DESTDIR)$(UNITDIR)
	install -m 0644 udev/70-yinian-readers.rules $(DESTDIR)$(UDEVDIR)/70-yinian-readers.rules
	install -m 0644 udev/yinian-blacklist-nfc.conf $(DESTDIR)$(SYSCONFDIR)/modprobe.d/yinian-blacklist-nfc.conf
	sed 's|@SBINDIR@|$(SBINDIR)|g' udev/yiniand.service > $(DESTDIR)$(UNITDIR)/yiniand.service
	install -d $(DESTDIR)$(SYSUSERSDIR)
	install -m 0644 udev/yinian.sysusers $(DESTDIR)$(SYSUSERSDIR)/yinian.conf
	chmod 0644 $(DESTDIR)$(UNITDIR)/yiniand.service
	install -d -m 0750 $(DESTDIR)$(SYSCONFDIR)/yinian
	if [ -f docs/examples/yiniand.conf ]; then install -m 0640 docs/examples/yiniand.conf $(DESTDIR)$(SYSCONFDIR)/yinian/yiniand.conf.example; fi
	if [ -f docs/examples/policy-shenzhen.ini ]; then install -m 0644 docs/examples/policy-shenzhen.ini $(DESTDIR)$(SYSCONFDIR)/yinian/policy.ini.example; fi
	install -d $(DESTDIR)$(PREFIX)/share/doc/yinian
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/yinian/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/yinian $(DESTDIR)$(SBINDIR)/yiniand
	rm -f $(DESTDIR)$(UDEVDIR)/70-yinian-readers.rules $(DESTDIR)$(SYSCONFDIR)/modprobe.d/yinian-blacklist-nfc.conf
	rm -f $(DESTDIR)$(UNITDIR)/yiniand.service $(DESTDIR)$(SYSUSERSDIR)/yinian.conf
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/yinian

clean:
	rm -rf build build-asan build-fuzz

help:
	@echo 'make            build yinian (and yiniand) into $(BUILD)/'
	@echo 'make check      install missing Debian packages, build, run every test'
	@echo 'make asan       the tests under AddressSanitizer and UBSan'
	@echo 'make demo       run the main job on the built-in emulated card'
	@echo 'make bench      print the benchmark table (bench-results/, < 10 min)'
	@echo 'make bench-full the same with more runs'
	@echo 'make install    install (PREFIX=$(PREFIX), DESTDIR=$(DESTDIR))'
	@echo 'V=1             show the commands'

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Keep intermediate objects: they are what the next build reuses.
.SECONDARY:
