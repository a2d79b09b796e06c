# SPDX-License-Identifier: MIT
# kprof build. `make` builds ./kprof; `make run` and `make test` first install
# what they need (tools/setup.sh). V=1 shows full commands.

OUTPUT    := build
CLANG     ?= clang
BPFTOOL   ?= bpftool
CC        ?= cc
ARCH      := $(shell uname -m | sed 's/x86_64/x86/' | sed 's/aarch64/arm64/')
VMLINUX   := vmlinux/$(ARCH)/vmlinux.h
VERSION   := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

ifeq ($(wildcard $(VMLINUX)),)
$(error no $(VMLINUX): kprof ships vmlinux.h for x86_64 only; run `make vmlinux` on this machine)
endif

# Clang's own system include dirs, passed with -idirafter for the BPF target
# (distributions lose asm/types.h otherwise), as libbpf-bootstrap does.
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

BPF_CFLAGS := -g -O2 -Wall -Werror -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
	-I$(dir $(VMLINUX)) -Iinclude -Ibpf $(CLANG_BPF_SYS_INCLUDES)
CFLAGS     ?= -g -O2
CFLAGS     += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Iinclude -Iuser -I$(OUTPUT) \
	-DKPROF_VERSION='"$(VERSION)"' -D_GNU_SOURCE
LDLIBS     := -lbpf -lelf -lz -lm -lyaml -lcrypt -lmicrohttpd -lgnutls -lcap -lpthread
TEST_LDLIBS := -lcmocka $(LDLIBS)

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_NAMES  := $(patsubst bpf/%.bpf.c,%,$(BPF_SRCS))
SKELS      := $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_NAMES))
LIB_SRCS   := $(filter-out user/main.c,$(wildcard user/*.c))
LIB_OBJS   := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(LIB_SRCS))
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
INTEG_SRCS := $(wildcard tests/integration/test_*.c)
INTEG_BINS := $(patsubst tests/integration/%.c,$(OUTPUT)/tests/%,$(INTEG_SRCS))
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(patsubst tests/helpers/%.c,$(OUTPUT)/tests/helpers/%,$(HELPER_SRCS))

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all clean run test unit integration setup vmlinux format format-check check-build bench bench-tools fuzz
.DELETE_ON_ERROR:
.SECONDARY:

all: kprof

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/tests $(OUTPUT)/tests/helpers:
	$(Q)mkdir -p $@

# BPF in two steps, then a skeleton the userspace side embeds.
$(OUTPUT)/%.tmp.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.bpf.h) $(wildcard include/kprof/*.h) $(VMLINUX) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.bpf.o: $(OUTPUT)/%.tmp.bpf.o
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUTPUT)/user/%.o: user/%.c $(wildcard user/*.h) $(wildcard include/kprof/*.h) $(SKELS) | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/libkprof.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

kprof: $(OUTPUT)/user/main.o $(OUTPUT)/libkprof.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(OUTPUT)/libkprof.a | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $< $(OUTPUT)/libkprof.a $(TEST_LDLIBS) -o $@

$(OUTPUT)/tests/%: tests/integration/%.c $(OUTPUT)/libkprof.a | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $< $(OUTPUT)/libkprof.a $(TEST_LDLIBS) -o $@

# Workload programs the tests drive: frame pointers so stacks unwind.
$(OUTPUT)/tests/helpers/%: tests/helpers/%.c | $(OUTPUT)/tests/helpers
	$(call msg,HELPER,$@)
	$(Q)$(CC) -g -O1 -fno-omit-frame-pointer -fno-inline -Wall -Wextra -Werror $< -lpthread -o $@

# libFuzzer targets for the parsers of untrusted files (tests/fuzz/, kept out
# of the main build): only the parser sources, built with clang's sanitizers.
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(FUZZ_SRCS))
FUZZ_LIB   := $(addprefix user/symbolize_,elf.c table.c lines.c maps.c perfmap.c kallsyms.c)
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -Iuser -D_GNU_SOURCE

fuzz: $(FUZZ_BINS)

$(OUTPUT)/fuzz:
	$(Q)mkdir -p $@

$(OUTPUT)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB) user/symbolize_internal.h | $(OUTPUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) $< $(FUZZ_LIB) -lelf -o $@

check-build: kprof $(UNIT_BINS) $(INTEG_BINS) $(HELPER_BINS)

setup:
	$(Q)tools/setup.sh

# The main job: a one-shot profile of this host.
run: setup
	$(Q)$(MAKE) --no-print-directory kprof
	./kprof record -d $(or $(DURATION),10s) -o flamegraphs

# The whole suite: unit tests, then integration tests that load the real
# programs (they report themselves skipped without root).
test: setup
	$(Q)$(MAKE) --no-print-directory check-build
	$(Q)tests/run.sh $(UNIT_BINS) $(INTEG_BINS) $(wildcard tests/integration/*.sh)

unit: kprof $(UNIT_BINS)
	$(Q)tests/run.sh $(UNIT_BINS)

integration: check-build
	$(Q)tests/run.sh $(INTEG_BINS) $(wildcard tests/integration/*.sh)

# Benchmark (not part of `make test`): kprof next to Debian's libbpf-tools.
# BENCH_QUICK=1 for a short development run; see docs/bench.md.
BENCH_BINS := $(patsubst tools/bench/%.c,$(OUTPUT)/bench/%,$(wildcard tools/bench/*.c))
BENCH_PACKAGES := libbpf-tools linux-perf bpftrace

$(OUTPUT)/bench:
	$(Q)mkdir -p $@

$(OUTPUT)/bench/%: tools/bench/%.c | $(OUTPUT)/bench
	$(call msg,BENCH,$@)
	$(Q)$(CC) -g -O2 -Wall -Wextra -Werror $< -lbpf -lelf -lz -lpthread -o $@

bench-tools: $(BENCH_BINS)

bench:
	$(Q)KPROF_EXTRA_PACKAGES="$(BENCH_PACKAGES)" tools/setup.sh
	$(Q)$(MAKE) --no-print-directory kprof bench-tools
	$(Q)tools/bench/bench.sh

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(ARCH)/vmlinux_$(shell uname -r | cut -d. -f1-2).h
	ln -sf vmlinux_$(shell uname -r | cut -d. -f1-2).h vmlinux/$(ARCH)/vmlinux.h

FORMAT_SRCS := $(wildcard user/*.c user/*.h bpf/*.c bpf/*.h include/kprof/*.h tests/*/*.c)
format:
	clang-format -i $(FORMAT_SRCS)

format-check:
	clang-format --dry-run --Werror $(FORMAT_SRCS)

clean:
	rm -rf $(OUTPUT) kprof
