# The two commands a newcomer needs: `make run` and `make test`.
BUILD ?= build
BUILD_TYPE ?= Release
CMAKE_FLAGS ?=
# `make test-asan`: the unit, client integration, API, TLS and mirror tests under AddressSanitizer +
# UndefinedBehaviorSanitizer, built in their own directory (docs/testing.md). Any finding,
# leaks included, fails the test that hit it.
ASAN_BUILD ?= build-asan
ASAN_LABELS ?= ^(unit|api|client|tls|mirror)$$
SANITIZER_ENV = ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# `make fuzz`: each libFuzzer target for FUZZ_SECONDS (FUZZ_TARGETS: only these, e.g. "auth_parsers").
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?=

.PHONY: all deps test-deps configure build run test test-asan fuzz bench format tidy clean package

all: build

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

configure:
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) >/dev/null

build: deps configure
	@cmake --build $(BUILD)

run: build
	$(BUILD)/src/cli/regmirror serve

# `make package`: $(BUILD)/regmirror_<version>_<arch>.deb of the (Release) build: the binary,
# the systemd unit, /etc/regmirror/config.yaml and the docs (docs/install.md).
package: deps configure
	@cmake --build $(BUILD) --target regmirror
	@cd $(BUILD) && cpack -G DEB

test: test-deps configure
	@cmake --build $(BUILD)
	@cd $(BUILD) && ctest --output-on-failure --timeout 900 -j2

test-asan: test-deps
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREGMIRROR_SANITIZE=ON \
		-DREGMIRROR_FUZZ=OFF >/dev/null
	@cmake --build $(ASAN_BUILD)
	@cd $(ASAN_BUILD) && $(SANITIZER_ENV) ctest -L '$(ASAN_LABELS)' --output-on-failure --timeout 900 -j2

fuzz: test-deps configure
	@FUZZ_SECONDS='$(FUZZ_SECONDS)' FUZZ_TARGETS='$(FUZZ_TARGETS)' cmake --build $(BUILD) --target fuzz

bench: test-deps build
	bench/run.sh
	bench/transfer.sh
	bench/auth_tls.sh
	bench/mirror_pull.sh
	bench/scale_out.py
	bench/gc.sh
	bench/events_cost.sh
	bench/ui_api.sh

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

tidy: configure
	@git ls-files 'src/*.cc' | xargs clang-tidy-19 -p $(BUILD) --quiet

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
