# vxpu top-level Makefile.
#   make          build vxpu.ko for every installed kernel (/lib/modules/*/build),
#                 libvxpu, the tools and the tests (all under build/)
#   make deps     apt-get whatever is missing (scripts/install-deps)
#   make test     deps, clean build, host unit tests, guest suites on 6.1 and 6.12,
#                 summary ("N passed, N failed" as the last line; non-zero on failure)
#   make demo     deps, build, boot each demo kernel and run scripts/demo (C/R story)
#   make bench    build, boot each kernel (BENCH_MEM of memory, BENCH_VRAM_MIB of VRAM per
#                 device) and run build/tests/bench, tests/bench/cr-bench and grant-bench,
#                 print their tables
#   make clean    remove build/
# Knobs: GUEST_KERNELS="6.1 6.12", GUEST_TIMEOUT=<s> (per guest run), DEMO_KERNELS="6.12 6.1",
#        GUEST_SUITE=tests/run-guest-suite (command run in each guest by make test).

REPO          := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
BUILD         := $(REPO)/build
KVERS         := $(notdir $(patsubst %/build,%,$(wildcard /lib/modules/*/build)))
GUEST_KERNELS ?= 6.1 6.12
GUEST_TIMEOUT ?= 1500
DEMO_KERNELS  ?= 6.12 6.1
BENCH_MEM     ?= 8G
BENCH_VRAM_MIB ?= 1280
GUEST_SUITE   ?= tests/run-guest-suite
BENCH_TIMEOUT ?= 900
GUEST         := $(REPO)/scripts/vxpu-guest

.DEFAULT_GOAL := all

all: kernel lib criu tools tests

# A subdirectory is skipped only while it has no Makefile; real build errors fail.
kernel:
	@set -e; if [ ! -f $(REPO)/kernel/Makefile ]; then \
		echo "make: kernel/Makefile does not exist yet, skipping the module"; exit 0; fi; \
	if [ -z "$(KVERS)" ]; then echo "make: no kernel headers in /lib/modules/*/build (make deps)" >&2; exit 1; fi; \
	for k in $(KVERS); do $(MAKE) -C $(REPO)/kernel KVER=$$k; done

lib criu tools tests:
	@set -e; if [ ! -f $(REPO)/$@/Makefile ]; then \
		echo "make: $@/Makefile does not exist yet, skipping $@"; exit 0; fi; \
	$(MAKE) -C $(REPO)/$@

tools tests: lib
criu: lib
tools: criu

deps:
	@$(REPO)/scripts/install-deps

# Host unit tests only (TAP into build/results/host).
host-test: lib
	$(MAKE) -C $(REPO)/tests $(BUILD)/tests/unit-tests $(BUILD)/tests/unit-tests-asan \
		$(BUILD)/tests/interp-tests $(BUILD)/tests/interp-tests-asan $(BUILD)/tests/fuzz-interp \
		$(BUILD)/tests/criu-image-tests $(BUILD)/tests/criu-image-tests-asan $(BUILD)/tests/fuzz-criu-image \
		$(BUILD)/tests/pc-smoke
	$(REPO)/scripts/run-host-tests $(BUILD)/results/host

# Each step records its verdict as TAP (host-harness.tap, <k>/harness.tap), so a
# failing step does not stop the others and scripts/summarize counts everything.
test: deps
	@t0=$$(date +%s); \
	$(MAKE) --no-print-directory clean && $(MAKE) --no-print-directory all || exit 1; \
	t1=$$(date +%s); \
	cd $(REPO); \
	rm -f build/results/host/host-harness.tap; \
	scripts/run-host-tests build/results/host; rc=$$?; \
	if [ ! -f build/results/host/host-harness.tap ]; then \
		mkdir -p build/results/host; \
		printf '1..1\nnot ok 1 - host: run-host-tests did not finish (exit %s)\n' $$rc \
			>build/results/host/host-harness.tap; \
	fi; \
	for k in $(GUEST_KERNELS); do \
		rm -f build/results/$$k/harness.tap; \
		VXPU_RESULTS=build/results/$$k $(GUEST) --kernel $$k --timeout $(GUEST_TIMEOUT) \
			-- $(GUEST_SUITE); rc=$$?; \
		if [ ! -f build/results/$$k/harness.tap ]; then \
			mkdir -p build/results/$$k; \
			printf '1..1\nnot ok 1 - %s: vxpu-guest did not run (exit %s)\n' $$k $$rc \
				>build/results/$$k/harness.tap; \
		fi; \
	done; \
	t2=$$(date +%s); \
	echo "make test: build $$((t1 - t0))s, tests $$((t2 - t1))s, total $$((t2 - t0))s"; \
	scripts/summarize build/results

demo: deps
	@$(MAKE) --no-print-directory all
	@set -e; for k in $(DEMO_KERNELS); do \
		echo "==== make demo: guest kernel $$k ===="; \
		$(GUEST) --kernel $$k --timeout $(GUEST_TIMEOUT) -- scripts/demo; \
	done

bench: all
	@cd $(REPO); mkdir -p build/bench; rc=0; \
	for k in $(GUEST_KERNELS); do \
		rm -f build/bench/$$k.txt; \
		VXPU_GUEST_MEM=$(BENCH_MEM) VXPU_RESULTS=build/results/bench-$$k \
			$(GUEST) --kernel $$k --timeout $(BENCH_TIMEOUT) --params "vram_mib=$(BENCH_VRAM_MIB)" -- bash -c \
			'build/tests/bench >build/bench/'$$k'.txt && tests/bench/cr-bench >>build/bench/'$$k'.txt && build/tests/grant-bench >>build/bench/'$$k'.txt' || rc=1; \
	done; \
	for k in $(GUEST_KERNELS); do \
		echo; echo "==== vxpu bench, guest kernel $$k ===="; \
		cat build/bench/$$k.txt 2>/dev/null || echo "(no output)"; \
	done; \
	exit $$rc

clean:
	rm -rf $(BUILD)

.PHONY: all kernel lib criu tools tests deps host-test test demo bench clean
