# traces/oracle/: the hypercall oracle (traces/oracle/README.md). Upstream's
# arch/powerpc/kvm/book3s_64_vio.c from linux-source (vm/setup.sh extracts it), compiled
# unmodified for the host with the pieces upstream.list names and a shim, linked into tcelab:
# 'tcelab oracle', and 'tcelab gen/import --check-upstream'.
ORACLE_BUILD := $(BUILD)/oracle
ORACLE_GEN := $(ORACLE_BUILD)/src
ORACLE_VIO = $(LINUX_SOURCE)/arch/powerpc/kvm/book3s_64_vio.c
ORACLE_OBJS := $(addprefix $(ORACLE_BUILD)/,book3s_64_vio.o upstream_funcs.o shim.o)
ORACLE_SRCS := traces/oracle/oracle.c
HOST_SRCS += $(ORACLE_SRCS) $(ORACLE_OBJS)
UNIT_SRCS += $(ORACLE_SRCS) $(ORACLE_OBJS)
$(BUILD)/host/tcelab $(BUILD)/host/unit-tests: $(wildcard traces/oracle/*.h)

# The kernel's code-generation flags that change what C code means (-fno-strict-overflow is
# -fwrapv); the upstream code sees only the stub headers, the shim and the extracted pieces.
ORACLE_CFLAGS := -O2 -g -std=gnu11 -Wall -Werror -fno-strict-aliasing -fwrapv \
	-fno-delete-null-pointer-checks -I$(TOP) -I$(ORACLE_GEN)

$(ORACLE_GEN)/.stamp: traces/oracle/extract.sh traces/oracle/extract.awk \
		traces/oracle/upstream.list $(ORACLE_VIO) $(CACHE)/versions.mk $(CACHE)/versions.env
	@mkdir -p $(ORACLE_BUILD)
	$(Q)traces/oracle/extract.sh $(LINUX_SOURCE) $(KDIR_ppc64le)/.config $(CACHE)/versions.env \
		$(ORACLE_GEN)
	@touch $@

ORACLE_DEPS := $(ORACLE_GEN)/.stamp traces/oracle/shim.h
$(ORACLE_BUILD)/book3s_64_vio.o: $(ORACLE_DEPS)
	$(Q)$(HOSTCC) $(ORACLE_CFLAGS) -I$(ORACLE_GEN)/include -c -o $@ $(ORACLE_VIO)
$(ORACLE_BUILD)/upstream_funcs.o: $(ORACLE_DEPS)
	$(Q)$(HOSTCC) $(ORACLE_CFLAGS) -c -o $@ $(ORACLE_GEN)/upstream_funcs.c
$(ORACLE_BUILD)/shim.o: traces/oracle/shim.c traces/oracle/upstream_vm.h $(ORACLE_DEPS)
	$(Q)$(HOSTCC) $(ORACLE_CFLAGS) -Wextra -Wno-unused-parameter -c -o $@ $<

# make test: every suite trace and every generator's and the importer's output through the
# oracle, and a trace with one ret= made wrong must fail naming its line.
.PHONY: oracle-test
oracle-test: $(BUILD)/host/tcelab $(BUILD)/traces/tcelab-traces
	@echo "==> hypercall oracle"
	$(Q)traces/oracle/oracle-test.sh $(BUILD)/host/tcelab $(BUILD)/traces/traces \
		$(BUILD)/oracle-test
