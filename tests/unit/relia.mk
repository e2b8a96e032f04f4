# Reliability tests (docs/reliability.md): the power-loss sweep runs the
# daemon and the tool as child processes, so they must be built first.
$(BUILD)/tests/test_powerloss: | $(BUILD)/yiniand $(BUILD)/yinian
$(BUILD)/tests/test_privilege: | $(BUILD)/yiniand

# The full-size reliability runs (docs/reliability.md): 5000 kills of the
# daemon, 100000 taps with the card files and journals on disk, 500 taps
# through pcscd + vpcd with 10 pcscd restarts.
.PHONY: soak-full
soak-full: all $(BUILD)/tests/test_powerloss $(BUILD)/tests/test_soak
	YN_BUILD=$(BUILD) YN_KILLS=$${YN_KILLS:-5000} $(BUILD)/tests/test_powerloss
	YN_BUILD=$(BUILD) YN_TAPS=$${YN_TAPS:-100000} YN_SOAK_DISK=1 $(BUILD)/tests/test_soak
	YN_BUILD=$(BUILD) YN_SOAK_TAPS=$${YN_SOAK_TAPS:-500} YN_SOAK_RESTARTS=$${YN_SOAK_RESTARTS:-10} \
		scripts/pcsc-rig -- bash tests/pcsc/test_soak_pcsc.sh
