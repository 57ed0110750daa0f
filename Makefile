# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# waitscope: `make` builds build/waitscope; `make test` runs unit + integration tests.
# Every generated file lives in build/. Header edits rebuild dependants (-MMD -MP).

BUILD      ?= build
PREFIX     ?= /usr/local
CC         ?= cc
CLANG      ?= clang
BPFTOOL    ?= bpftool
LLVM_STRIP ?= llvm-strip
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
ARCH       := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

LIBBPF_CFLAGS := $(shell pkg-config --cflags libbpf 2>/dev/null)
LIBBPF_LIBS   := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf) -lelf -lz
WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Werror
CFLAGS   ?= -O2 -g
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I$(BUILD) \
	      $(LIBBPF_CFLAGS) -MMD -MP
LDLIBS   := $(LIBBPF_LIBS) -lm
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Iinclude -Wall -Werror

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS))
LIB_OBJS  := $(filter-out $(BUILD)/user/main.o,$(USER_OBJS))
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%.o,$(UNIT_SRCS))
INTEG_SRCS := $(wildcard tests/integration/*.c)
INTEG_OBJS := $(patsubst tests/integration/%.c,$(BUILD)/tests/integration/%.o,$(INTEG_SRCS))
TESTLIB_SRCS := $(wildcard tests/lib/*.c)
TESTLIB_OBJS := $(patsubst tests/lib/%.c,$(BUILD)/tests/lib/%.o,$(TESTLIB_SRCS))
EXAMPLE_SRCS := $(wildcard examples/*.c)
EXAMPLES  := $(patsubst examples/%.c,$(BUILD)/examples/%,$(EXAMPLE_SRCS)) \
	     $(patsubst examples/%.py,$(BUILD)/examples/%.py,$(wildcard examples/*.py))

.PHONY: all clean install uninstall test unit-test integration-test examples demo headers-check
.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS)

all: $(BUILD)/waitscope examples

$(BUILD) $(BUILD)/user $(BUILD)/tests/lib $(BUILD)/tests/unit $(BUILD)/tests/integration $(BUILD)/examples:
	$(Q)mkdir -p $@

$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)test -r $(VMLINUX_BTF) || { echo "error: $(VMLINUX_BTF) not readable: kernel without BTF (CONFIG_DEBUG_INFO_BTF)" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BUILD)/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# User objects may include any skeleton: build skeletons first.
$(BUILD)/user/%.o: user/%.c $(SKELS) | $(BUILD)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/waitscope: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/unit/%.o: tests/unit/%.c $(SKELS) | $(BUILD)/tests/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests -Itests/lib -c $< -o $@

$(BUILD)/tests/lib/%.o: tests/lib/%.c | $(BUILD)/tests/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests -Itests/lib -c $< -o $@

$(BUILD)/tests/integration/%.o: tests/integration/%.c | $(BUILD)/tests/integration
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests -Itests/lib -c $< -o $@

$(BUILD)/unit_tests: $(UNIT_OBJS) $(TESTLIB_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -lcriterion $(LDLIBS)

$(BUILD)/integration_tests: $(INTEG_OBJS) $(TESTLIB_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -lcriterion $(LDLIBS)

$(BUILD)/examples/%: examples/%.c | $(BUILD)/examples
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -MMD -MP $< -o $@ -pthread -lm

# Python examples run from build/examples/ like the others.
$(BUILD)/examples/%.py: examples/%.py | $(BUILD)/examples
	$(call msg,COPY,$@)
	$(Q)install -m 0755 $< $@

examples: $(EXAMPLES)

# Each header in include/ must compile on its own.
headers-check: | $(BUILD)
	$(Q)for h in include/*.h; do \
		printf '#include "%s"\n' "$$h" | $(CC) $(WARN) -I. -x c -fsyntax-only - || exit 1; \
	done

unit-test: $(BUILD)/unit_tests
	$(BUILD)/unit_tests

integration-test: $(BUILD)/integration_tests $(BUILD)/waitscope examples
	WAITSCOPE_BUILD=$(abspath $(BUILD)) $(BUILD)/integration_tests -j1 --verbose

test: headers-check unit-test integration-test

demo: $(BUILD)/waitscope examples
	./examples/demo.sh $(BUILD)

install: $(BUILD)/waitscope
	install -D -m 0755 $(BUILD)/waitscope $(DESTDIR)$(PREFIX)/sbin/waitscope
	@if [ -f docs/waitscope.8 ]; then install -D -m 0644 docs/waitscope.8 $(DESTDIR)$(PREFIX)/share/man/man8/waitscope.8; fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/waitscope $(DESTDIR)$(PREFIX)/share/man/man8/waitscope.8

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/*.d $(BUILD)/user/*.d $(BUILD)/tests/*/*.d $(BUILD)/examples/*.d)
