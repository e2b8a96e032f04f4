# tests/bench/: the tap benchmark and the one-table report.
#   make bench        every benchmark, one table (scripts/bench), < 10 min
#   make bench-full   the same with more runs (scripts/bench --full)
#   build/bench/bench_tap --help   the tap benchmark alone
# Results: bench-results/bench.json (and a timestamped copy).

BENCH_TAP := $(BUILD)/bench/bench_tap
BENCH_TAP_LIBS := $(shell $(PKG_CONFIG) --libs libfreefare 2>/dev/null)
BENCH_TAP_CFLAGS := $(shell $(PKG_CONFIG) --cflags libfreefare 2>/dev/null)

$(BUILD)/tests/bench/bench_tap.o: CFLAGS += $(BENCH_TAP_CFLAGS)

$(BENCH_TAP): $(BUILD)/tests/bench/bench_tap.o $(TESTLIB_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $< $(TESTLIB_OBJ) $(LIB) $(LDLIBS_ALL) $(BENCH_TAP_LIBS)

# Built with the tests so that it always compiles.
EXTRA_TEST_BINS += $(BENCH_TAP)

# What scripts/bench runs.
.PHONY: bench-bins
bench-bins: $(BENCH_TAP) $(BENCH_CRYPTO) $(BENCH_DENYLIST) $(BENCH_JOURNAL) $(BUILD)/yinian \
	$(BUILD)/bench/bench_policy $(BUILD)/bench/bench_emu $(BUILD)/bench/bench_nfc

# The one table: merges the programs' JSON (run by scripts/bench).
BENCH_REPORT := $(BUILD)/bench/bench_report
$(BENCH_REPORT): $(BUILD)/tests/bench/bench_report.o
	@mkdir -p $(dir $@)
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $< $(LDLIBS_ALL)
EXTRA_TEST_BINS += $(BENCH_REPORT)
bench-bins: $(BENCH_REPORT)
