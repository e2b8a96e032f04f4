# validator/: denylist and journal benchmarks, build/bench/bench_denylist and
# build/bench/bench_journal.
#   make bench-validator        CI-sized table (200k entries, 100k records)
#   make bench-validator-full   the design's scale: 10 million entries,
#                               1 million journal records
#   build/bench/bench_X --help  options (--entries/--records, --json FILE)

BENCH_DENYLIST := $(BUILD)/bench/bench_denylist
BENCH_JOURNAL := $(BUILD)/bench/bench_journal

$(BUILD)/bench/bench_denylist.o $(BUILD)/bench/bench_journal.o: $(BUILD)/bench/%.o: tests/bench/%.c
	@mkdir -p $(dir $@)
	$(quiet) CC $<
	$(Q)$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BENCH_DENYLIST) $(BENCH_JOURNAL): $(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $< $(LIB) $(LDLIBS_ALL)

.PHONY: bench-validator bench-validator-full
bench-validator: $(BENCH_DENYLIST) $(BENCH_JOURNAL) $(BUILD)/yinian
	@YN_BUILD=$(BUILD) $(BENCH_DENYLIST) --entries 200000
	@YN_BUILD=$(BUILD) $(BENCH_JOURNAL) --records 100000 --appends 500

bench-validator-full: $(BENCH_DENYLIST) $(BENCH_JOURNAL) $(BUILD)/yinian
	@YN_BUILD=$(BUILD) $(BENCH_DENYLIST) --entries 10000000
	@YN_BUILD=$(BUILD) $(BENCH_JOURNAL) --records 1000000 --appends 2000

# Built with the tests so that they always compile; run by `make bench`.
EXTRA_TEST_BINS += $(BENCH_DENYLIST) $(BENCH_JOURNAL)
bench-run: bench-validator
