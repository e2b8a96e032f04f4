# crypto/: the crypto micro-benchmark, build/bench/bench_crypto.
#   make bench-crypto                      build it and print the table
#   build/bench/bench_crypto --json FILE   also write the table as JSON

BENCH_CRYPTO := $(BUILD)/bench/bench_crypto

$(BUILD)/bench/bench_crypto.o: tests/bench/bench_crypto.c
	@mkdir -p $(dir $@)
	$(quiet) CC $<
	$(Q)$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BENCH_CRYPTO): $(BUILD)/bench/bench_crypto.o $(LIB)
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $< $(LIB) $(LDLIBS_ALL)

.PHONY: bench-crypto
bench-crypto: $(BENCH_CRYPTO)
	@$(BENCH_CRYPTO)

# Built with the tests so that it always compiles; run by `make bench`.
EXTRA_TEST_BINS += $(BENCH_CRYPTO)
bench-run: bench-crypto

# test_crypto_keys runs `yinian selftest`: the tool must exist (and be
# current) whenever that test program is built, so the test never has to be
# skipped.
$(BUILD)/tests/test_crypto_keys: | $(BUILD)/yinian
