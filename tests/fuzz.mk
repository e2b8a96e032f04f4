# libFuzzer harnesses (tests/fuzz/fuzz_<name>.c), built with clang into
# build-fuzz/ (docs/fuzzing.md).
#   make fuzz                    build every harness: build-fuzz/fuzz/fuzz_<name>
#   make fuzz-smoke              run each for FUZZ_SECONDS (default 10) on its
#                                seed corpus tests/fuzz/corpus/<name>/; fails
#                                if any harness crashes
#   make fuzz-long FUZZ_SECONDS=600   the same, longer
#   make fuzz-corpus             regenerate the seed corpora with
#                                build/tests/record_corpus (real exchanges
#                                with the software card)
# The library is compiled again with clang and
# -fsanitize=fuzzer-no-link,address,undefined; only the harness link gets
# libFuzzer's main.  The same harness bodies (without the libFuzzer entry
# point) are linked with gcc into build/tests/test_fuzz_regress, which
# replays tests/fuzz/regress/<name>/* in `make check`.

FUZZ_CC ?= clang
FUZZ_BUILD := build-fuzz
FUZZ_SECONDS ?= 10
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz/fuzz_%)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -O1 -g $(WARN) -fno-strict-aliasing -I. -MMD -MP \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) $(FUZZ_SAN)
FUZZ_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lpthread -lm
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_LIB := $(FUZZ_BUILD)/libyinian.a
# Support code shared by the harnesses and the corpus recorder.
FUZZ_SUPPORT := tests/fuzz/fuzzlib.c
FUZZ_SUPPORT_OBJ := $(FUZZ_SUPPORT:%.c=$(FUZZ_BUILD)/%.o)

.PHONY: fuzz fuzz-smoke fuzz-long fuzz-corpus
.SECONDARY: $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz/fuzz_%.o) $(FUZZ_SUPPORT_OBJ)

fuzz: $(FUZZ_BINS)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(quiet) CLANG $<
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/fuzz/fuzz_%.o: tests/fuzz/fuzz_%.c
	@mkdir -p $(dir $@)
	$(quiet) CLANG $<
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -DYN_FUZZ_LIBFUZZER -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	$(quiet) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz/fuzz_%: $(FUZZ_BUILD)/fuzz/fuzz_%.o $(FUZZ_SUPPORT_OBJ) $(FUZZ_LIB)
	$(quiet) LD $@
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_SUPPORT_OBJ) $(FUZZ_LIB) $(FUZZ_LIBS)

fuzz-smoke: $(FUZZ_BINS)
	@FUZZ_BUILD=$(FUZZ_BUILD) tests/fuzz/run-fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)

fuzz-long: $(FUZZ_BINS)
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_KEEP=1 tests/fuzz/run-fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)

# gcc builds of the same harness bodies, for the regression test and the
# corpus recorder.
FUZZ_GCC_OBJ := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/fuzz_%.o) $(FUZZ_SUPPORT:%.c=$(BUILD)/%.o)

$(BUILD)/tests/test_fuzz_regress: $(BUILD)/tests/unit/test_fuzz_regress.o $(FUZZ_GCC_OBJ) \
		$(TESTLIB_OBJ) $(LIB)
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $< $(FUZZ_GCC_OBJ) $(TESTLIB_OBJ) $(LIB) $(LDLIBS_ALL) $(TEST_LIBS)

$(BUILD)/tests/record_corpus: $(BUILD)/tests/fuzz/record_corpus.o $(FUZZ_GCC_OBJ) $(LIB)
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $< $(FUZZ_GCC_OBJ) $(LIB) $(LDLIBS_ALL)

EXTRA_TEST_BINS += $(BUILD)/tests/record_corpus

fuzz-corpus: $(BUILD)/tests/record_corpus
	$(BUILD)/tests/record_corpus tests/fuzz/corpus

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
