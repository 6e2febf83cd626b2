# Thin wrapper over CMake: make, make test, make demo, make install.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# The sanitizer build uses clang when there is one, so CI compiles with both gcc and clang.
SAN_CC ?= $(shell command -v clang 2>/dev/null || echo cc)

.PHONY: all build test demo install deps test-deps test-sanitize clean bench bench-quick

all: build

deps:
	@bash tools/deps.sh build

test-deps:
	@bash tools/deps.sh test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: test-deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
test-sanitize: test-deps
	@CC=$(SAN_CC) cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DHEPNN_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 HEPNN_SANITIZE=1 ctest --output-on-failure -j $(JOBS)

# The benchmark suite against the peers (bench/run.sh; docs/performance.md): about 25-30 minutes.
bench: build
	bash bench/run.sh --size full --build $(BUILD)

bench-quick: build
	bash bench/run.sh --size quick --build $(BUILD)

demo: build
	./$(BUILD)/hepnn demo

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
