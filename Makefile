# Strata's entry points. Each target installs what is missing first (scripts/setup.sh, idempotent).
#
#   make demo       build and run the example pipeline on embedded defaults
#   make test       build and run the whole test suite (CTest)
#   make bench      build (Release) and run every benchmark; prints BENCH lines
#   make sanitize   build with ASan+UBSan and run the whole test suite
#   make torture    the long torture run (kill -9 loops, 8 processes, corrupted files, hostile keys,
#                   config/CLI corpus, libFuzzer); prints TORTURE lines (docs/testing.md)
#   make format     apply clang-format;  make format-check  verify it
#   make setup      only install dependencies

BUILD_DIR     ?= build
SANITIZE_DIR  ?= build-sanitize
JOBS          ?= $(shell nproc)
CMAKE_FLAGS   ?=
CTEST_FLAGS   ?= --output-on-failure -j $(JOBS)

SOURCES = $(shell git ls-files '*.cpp' '*.hpp' 2>/dev/null)

.PHONY: all setup configure build demo test bench sanitize torture format format-check clean

all: build

setup:
	@scripts/setup.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

configure: setup $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD_DIR)

test: build
	ctest --test-dir $(BUILD_DIR) $(CTEST_FLAGS)

bench: build
	@scripts/bench.sh $(BUILD_DIR)

sanitize: setup
	cmake -S . -B $(SANITIZE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_SANITIZE=ON \
	  -DSTRATA_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(SANITIZE_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(SANITIZE_DIR) $(CTEST_FLAGS)

torture: build
	@tests/torture/run_long.sh $(BUILD_DIR) -j $(JOBS)

format:
	clang-format -i $(SOURCES)

format-check:
	clang-format --dry-run --Werror $(SOURCES)

# The package tests (tests/package) build beside the tree they run in: <tree>-subproject, <tree>-no-tables.
clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(addsuffix -subproject,$(BUILD_DIR) $(SANITIZE_DIR)) \
	  $(addsuffix -no-tables,$(BUILD_DIR) $(SANITIZE_DIR))
