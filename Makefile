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
# Extra compile+link flags of the user side only (waitscope, test binaries); examples stay plain.
SANITIZE ?=
ALL_CFLAGS := $(CFLAGS) $(SANITIZE) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I$(BUILD) \
	      $(LIBBPF_CFLAGS) -MMD -MP
# libdw: symbols, debug files, DWARF lines; libiberty: C++ and Rust demangling;
# libmicrohttpd (the agent's /metrics) is dlopen()ed by user/report/mhd_api.c.
LDLIBS   := $(LIBBPF_LIBS) $(shell pkg-config --libs libdw 2>/dev/null || echo -ldw -lelf) -liberty \
	    -lpthread -lm
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Iinclude -Wall -Werror

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
USER_SRCS := $(wildcard user/*.c user/*/*.c)
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

.PHONY: all clean install uninstall test unit-test integration-test examples bench-tools demo \
	headers-check stress \
	sanitize sanitize-test lint clang-check fuzz fuzz-build
.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS) $(SKELS)

all: $(BUILD)/waitscope examples bench-tools

$(BUILD) $(BUILD)/tests/lib $(BUILD)/tests/unit $(BUILD)/tests/integration $(BUILD)/examples:
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

# Skeletons are order-only: they must exist before the first compile, and afterwards only the
# objects whose -MMD dependencies name a skeleton (user/collect/) rebuild on a BPF edit.
$(BUILD)/user/%.o: user/%.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/waitscope: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(SANITIZE) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/unit/%.o: tests/unit/%.c | $(SKELS) $(BUILD)/tests/unit
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
	$(Q)$(CC) $(CFLAGS) $(SANITIZE) $^ -o $@ -lcriterion $(LDLIBS)

$(BUILD)/integration_tests: $(INTEG_OBJS) $(TESTLIB_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(SANITIZE) $^ -o $@ -lcriterion $(LDLIBS)

$(BUILD)/examples/%: examples/%.c | $(BUILD)/examples
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -MMD -MP $< -o $@ -pthread -lm

# Python examples run from build/examples/ like the others.
$(BUILD)/examples/%.py: examples/%.py | $(BUILD)/examples
	$(call msg,COPY,$@)
	$(Q)install -m 0755 $< $@

examples: $(EXAMPLES)

# bench/overhead.sh's floor: empty handlers on waitscope's hot tracepoints, and their loader.
bench-tools: $(BUILD)/bench/empty.bpf.o $(BUILD)/bench/emptyprobe

$(BUILD)/bench:
	$(Q)mkdir -p $@

$(BUILD)/bench/empty.bpf.o: bench/empty.bpf.c $(BUILD)/vmlinux.h | $(BUILD)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(BUILD)/bench/emptyprobe: bench/emptyprobe.c | $(BUILD)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE $(LIBBPF_CFLAGS) $< -o $@ $(LIBBPF_LIBS)

# Each header in include/ and user/ must compile on its own (the user side's against the
# generated skeletons, which a few collectors include).
headers-check: | $(SKELS)
	$(Q)for h in include/*.h; do \
		printf '#include "%s"\n' "$$h" | $(CC) $(WARN) -I. -x c -fsyntax-only - || exit 1; \
	done
	$(Q)for h in user/*.h user/*/*.h; do \
		printf '#include "%s"\n' "$${h#user/}" | $(CC) $(ALL_CFLAGS) -MF /dev/null -x c \
			-fsyntax-only - || { echo "headers-check: $$h does not compile alone" >&2; exit 1; }; \
	done

unit-test: $(BUILD)/unit_tests
	$(BUILD)/unit_tests

integration-test: $(BUILD)/integration_tests $(BUILD)/waitscope examples
	WAITSCOPE_BUILD=$(abspath $(BUILD)) $(BUILD)/integration_tests -j1 --verbose

test: headers-check unit-test integration-test

# Busy targets, a short window each (tests/stress/stress.sh; STRESS_RUNS=10 for issue 15's target).
stress: $(BUILD)/waitscope examples
	tests/stress/stress.sh $(BUILD)

# AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer) build of the user side in
# build/san; sanitize-test runs the unit and integration tests against it (the integration tests
# run build/san/waitscope). Any report fails the run.
SAN_BUILD ?= build/san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_ENV   := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	     LSAN_OPTIONS=exitcode=99

sanitize:
	$(Q)$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) SANITIZE="$(SAN_FLAGS)" \
		$(SAN_BUILD)/waitscope $(SAN_BUILD)/unit_tests $(SAN_BUILD)/integration_tests examples

# Criterion reports a test's leak only on stderr (CRITERION_NO_EARLY_EXIT lets LeakSanitizer run
# in each test's process): the log is checked for sanitizer reports as well as the exit status.
san_run = $(SAN_ENV) CRITERION_NO_EARLY_EXIT=1 $(1) > $(2) 2>&1; rc=$$?; cat $(2); \
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|:[0-9]+: runtime error: ' $(2); then \
		echo "sanitize-test: sanitizer report in $(2)" >&2; exit 1; fi; exit $$rc

sanitize-test: sanitize
	$(Q)$(call san_run,$(SAN_BUILD)/unit_tests,$(SAN_BUILD)/unit-test.log)
	$(Q)$(call san_run,WAITSCOPE_BUILD=$(abspath $(SAN_BUILD)) \
		$(SAN_BUILD)/integration_tests -j1 --verbose,$(SAN_BUILD)/integration-test.log)

# Static analysis: cppcheck over the user side, test helpers, fuzz harnesses and examples (the
# Criterion test files are left out: cppcheck cannot expand Test() without Criterion's headers).
# Suppressions are inline (cppcheck-suppress) with their reason.
CPPCHECK ?= cppcheck
lint:
	$(Q)$(CPPCHECK) --quiet --enable=warning,performance,portability --std=c11 \
		--error-exitcode=1 --inline-suppr -Iinclude -Iuser \
		--suppress=missingIncludeSystem \
		user/ tests/lib/ tests/fuzz/ examples/

# The same sources and -W flags with clang (CI builds both compilers warning-free).
clang-check:
	$(Q)$(MAKE) --no-print-directory BUILD=build/clang CC=clang build/clang/waitscope \
		build/clang/unit_tests build/clang/integration_tests examples

# libFuzzer harnesses (clang) for every parser of outside input, each run FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_SRCS    := $(wildcard tests/fuzz/*_fuzz.c)
FUZZ_BINS    := $(patsubst tests/fuzz/%_fuzz.c,$(FUZZ_BUILD)/%_fuzz,$(FUZZ_SRCS))
FUZZ_LIB_SRCS := $(filter-out user/main.c,$(USER_SRCS))
FUZZ_CFLAGS  := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser \
		-I$(BUILD) $(LIBBPF_CFLAGS)

$(FUZZ_BUILD):
	$(Q)mkdir -p $@

# One binary per harness, linked with the real parsers (every user/ file but main.c).
$(FUZZ_BUILD)/%_fuzz: tests/fuzz/%_fuzz.c $(FUZZ_LIB_SRCS) $(SKELS) | $(FUZZ_BUILD)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(FUZZ_LIB_SRCS) -o $@ $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

# Each harness starts from its committed seeds (tests/fuzz/corpus/NAME) and writes new inputs to
# a scratch corpus in build/, so the committed seeds stay small. A crash stops make.
fuzz: $(FUZZ_BINS)
	$(Q)for b in $(FUZZ_BINS); do \
		name=$$(basename $$b _fuzz); \
		mkdir -p $(FUZZ_BUILD)/corpus/$$name $(FUZZ_BUILD)/artifacts; \
		echo "fuzz: $$name for $(FUZZ_SECONDS) s"; \
		$$b -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_BUILD)/artifacts/$$name- \
			$(FUZZ_BUILD)/corpus/$$name tests/fuzz/corpus/$$name || exit 1; \
	done

demo: $(BUILD)/waitscope examples
	./examples/demo.sh $(BUILD)

install: $(BUILD)/waitscope
	install -D -m 0755 $(BUILD)/waitscope $(DESTDIR)$(PREFIX)/sbin/waitscope
	@if [ -f docs/waitscope.8 ]; then install -D -m 0644 docs/waitscope.8 $(DESTDIR)$(PREFIX)/share/man/man8/waitscope.8; fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/waitscope $(DESTDIR)$(PREFIX)/share/man/man8/waitscope.8

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/*.d $(BUILD)/user/*.d $(BUILD)/user/*/*.d $(BUILD)/tests/*/*.d \
	$(BUILD)/examples/*.d)
