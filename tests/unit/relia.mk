# Reliability tests (docs/reliability.md): the power-loss sweep runs the
# daemon and the tool as child processes, so they must be built first.
$(BUILD)/tests/test_powerloss: | $(BUILD)/yiniand $(BUILD)/yinian
$(BUILD)/tests/test_privilege: | $(BUILD)/yiniand
