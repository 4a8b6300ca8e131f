# The two commands a newcomer needs: `make run` and `make test`.
BUILD ?= build
BUILD_TYPE ?= Release
CMAKE_FLAGS ?=

.PHONY: all deps test-deps configure build run test bench format tidy clean

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

test: test-deps configure
	@cmake --build $(BUILD)
	@cd $(BUILD) && ctest --output-on-failure --timeout 900 -j2

bench: test-deps build
	bench/run.sh
	bench/transfer.sh
	bench/auth_tls.sh

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

tidy: configure
	@git ls-files 'src/*.cc' | xargs clang-tidy-19 -p $(BUILD) --quiet

clean:
	rm -rf $(BUILD)
