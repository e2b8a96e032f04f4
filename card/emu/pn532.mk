# PN532 emulator and libnfc tests: the libfreefare client is the only
# program that links libfreefare (Debian's, through pkg-config).
FREEFARE_LIBS := $(shell $(PKG_CONFIG) --libs libfreefare 2>/dev/null)
FREEFARE_CFLAGS := $(shell $(PKG_CONFIG) --cflags libfreefare 2>/dev/null)
$(BUILD)/tests/freefare_read: LDLIBS += $(FREEFARE_LIBS)
$(BUILD)/tests/progs/freefare_read.o: CFLAGS += $(FREEFARE_CFLAGS)

# bench_nfc: the libnfc path against the emulated PN532 (build/bench/).
BENCH_BIN += $(BUILD)/bench/bench_nfc
$(BUILD)/bench/bench_nfc: $(BUILD)/tests/bench/bench_nfc.o $(LIB)
	@mkdir -p $(dir $@)
	$(quiet) LD $@
	$(Q)$(CC) -o $@ $< $(LIB) $(LDLIBS_ALL)

# test_pn532_freefare runs `yinian card serve --pn532`: build the tool first.
$(BUILD)/tests/test_pn532_freefare: | $(BUILD)/yinian
