# TinyForge: `make demo` and `make test` do all the set-up on a fresh Debian 12 machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help
JOBS ?= $(shell nproc)
HOST_TOOLS := $(CURDIR)/build/host-release

.PHONY: help deps deps-bench build-host-release test test-host test-asan test-m4 demo bench clean

help:
	@echo "make demo   - install deps, build, run the CWRU predictive-maintenance demo"
	@echo "make test   - install deps, build, run host, ASan+UBSan and Cortex-M4 (QEMU) tests"
	@echo "make bench  - run benchmarks, write bench/results/*.json"

deps:
	@scripts/install-deps.sh core

deps-bench:
	@scripts/install-deps.sh bench

# The release host build also provides the tools the Cortex-M4 build runs (model generators).
build-host-release: deps
	cmake --preset host-release >/dev/null
	cmake --build --preset host-release -j $(JOBS)

# The test suites build only what ctest needs (target tinyforge_test_build, cmake/TinyforgeTestBuild.cmake):
# benchmark executables without a test are left out. The debug build compiles as unity batches
# (cmake/TinyforgeUnity.cmake; the host-asan preset always does); `make test TEST_UNITY=OFF` does not.
TEST_BUILD := --target tinyforge_test_build
TEST_UNITY ?= ON

test-host: deps
	cmake --preset host-debug -DTINYFORGE_UNITY_BUILD=$(TEST_UNITY) >/dev/null
	cmake --build --preset host-debug -j $(JOBS) $(TEST_BUILD)
	ctest --preset host-debug

test-asan: deps
	cmake --preset host-asan >/dev/null
	cmake --build --preset host-asan -j $(JOBS) $(TEST_BUILD)
	ctest --preset host-asan

# The device build embeds models and expected outputs written by host tools; it takes them from
# the host-debug build that test-host has already built (no third host build).
test-m4: deps
	cmake --preset host-debug -DTINYFORGE_UNITY_BUILD=$(TEST_UNITY) >/dev/null
	cmake --build --preset host-debug -j $(JOBS) $(TEST_BUILD)
	cmake --preset cortex-m4 -DTINYFORGE_HOST_TOOLS_DIR=$(CURDIR)/build/host-debug >/dev/null
	cmake --build --preset cortex-m4 -j $(JOBS)
	ctest --preset cortex-m4

test: deps
	@scripts/run-tests.sh

demo: deps
	cmake --preset host-release >/dev/null
	cmake --build --preset host-release -j $(JOBS) --target tinyforge
	$(HOST_TOOLS)/toolchain/tinyforge demo --shared-dir $(CURDIR)/../shared --output build/demo

bench: deps-bench build-host-release
	scripts/run-bench.sh
	scripts/run-pipeline-bench.sh $(HOST_TOOLS)

clean:
	rm -rf build
