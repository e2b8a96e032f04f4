# The software card's benchmark: build/bench/bench_emu (tests/bench/bench_emu.c).
BENCH_EMU := $(BUILD)/bench/bench_emu
BENCH_BINS += $(BENCH_EMU)
EXTRA_TEST_BINS += $(BENCH_EMU)

$(BENCH_EMU): $(BUILD)/tests/bench/bench_emu.o $(LIB)
	@mkdir -p $(dir $@)
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $< $(LIB) $(LDLIBS_ALL)
