# The front door for every task. `make` alone lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

LISTEN ?= 127.0.0.1:9080
TESTBED := e2e/testbed
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
STATIC := x86_64-unknown-linux-musl
IMAGE_DIR := $(TARGET_DIR)/image

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.PHONY: tools
tools: ## Install what the build needs (Rust components, the WASM target) and check the rest
	@rustup component add rustfmt clippy >/dev/null 2>&1 || rustup component add rustfmt clippy
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@command -v go >/dev/null || { echo "make: Go is needed to build the test bed (https://go.dev/doc/install)"; exit 1; }
	@command -v openssl >/dev/null || { echo "make: openssl is needed by the test bed: apt-get install -y openssl"; exit 1; }
	@command -v python3 >/dev/null || { echo "make: Python 3 is needed by the test bed and the client tests"; exit 1; }
	@command -v npm >/dev/null || { echo "make: Node.js with npm is needed by the OIDC provider, the UI build and the browser and client tests"; exit 1; }
	@rustup target list --installed | grep -qx $(STATIC) || rustup target add $(STATIC)
	@command -v musl-gcc >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq musl-tools >/dev/null; } || { echo "make: the static build of the image needs musl-gcc: sudo apt-get install -y musl-tools"; exit 1; }
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || { echo "make: the browser tests need Debian's chromium: sudo apt-get install -y chromium"; exit 1; }

.PHONY: dev
dev: tools ## Run flux-web with the UI on http://$(LISTEN) against KUBECONFIG, or a test bed it starts with a demo world; prints each step and the URL
	LISTEN=$(LISTEN) e2e/dev

.PHONY: ui
ui: tools ## Build the UI into crates/ui/dist (offline; prints the first-load size)
	crates/ui/build

.PHONY: build
build: ui ## One binary with the UI inside: $(TARGET_DIR)/release/flux-web (run it with --kubeconfig)
	cargo build --release -p flux-web --features embed-ui
	$(TARGET_DIR)/release/flux-web --version

.PHONY: image
image: ui ## The OCI image, without Docker: a static binary with the UI inside, in $(IMAGE_DIR)
	CARGO_PROFILE_RELEASE_STRIP=symbols cargo build --release --target $(STATIC) -p flux-web --features embed-ui
	image/build $(TARGET_DIR)/$(STATIC)/release/flux-web $(IMAGE_DIR)

.PHONY: lint
lint: tools rules ## Format check and clippy, warnings as errors (native and WASM)
	cargo clippy --all-targets -- -D warnings
	cargo clippy -p flux-web-ui --target wasm32-unknown-unknown -- -D warnings

.PHONY: rules
rules: ## The checks that need no compiling: format, and the core's dependencies
	cargo fmt --all --check
	@if cargo tree -p flux-web-core -e normal --prefix none | grep -qE '^(kube|kube-client|kube-runtime|axum|tokio|reqwest|hyper|tower) v'; then \
		echo "make: flux-web-core must not depend on a Kubernetes client, an HTTP stack or a runtime:"; \
		cargo tree -p flux-web-core -e normal -i tokio 2>/dev/null | head -20; exit 1; fi

.PHONY: unit
unit: ## Unit tests: no cluster needed (the UI's pure parts natively too)
	cargo test --lib --bins
	cargo test -p flux-web-ui

.PHONY: integration
integration: ui image bed-tests ## Integration, client, contract, attack, image, chart, browser and interop tests on the test bed (started and stopped around them)

.PHONY: bed-tests
bed-tests: ## The tests of `integration` alone, on the UI and image already built
	e2e/all tests

.PHONY: programs
programs: ## Build what the tests run beside flux-web into ~/.cache/flux-web: the bed's control plane, Flux controllers and kwok, the chart check, the Flux Operator and the flux CLI
	$(TESTBED) build
	e2e/chart/run --build
	e2e/interop/run --build

.PHONY: test
# Lints while it compiles: clippy's driver is the compiler of our own crates in every build
# below (.cargo/clippy-rustc), so each dependency is compiled once instead of also being
# type-checked by a `cargo clippy` of its own. Every target `make lint` lints is built here:
# the libraries, binaries and build script by `unit`, the integration tests by their run, the
# UI for WASM by `ui`. e2e/all says what runs beside what.
test: export RUSTC_WORKSPACE_WRAPPER = $(CURDIR)/.cargo/clippy-rustc
test: tools rules ## Everything CI runs: format, lints, unit tests, test bed, integration tests
	e2e/all

.PHONY: bench
bench: ui ## flux-web beside the Flux Operator web server under one load driver (writes docs/benchmarks.md); bulk reconcile of 300 beside 300 single calls (own test bed)
	cargo build --release -p flux-web -p flux-web-load
	e2e/bench/peer
	e2e/bench/bulk

.PHONY: bench-read
bench-read: ## Reads at 10,000 and 50,000 objects in 1,000 namespaces, two callers, beside the Flux Operator web server and kube-apiserver (own test bed)
	cargo build --release -p flux-web
	e2e/bench/read

.PHONY: bench-preview
bench-preview: ## The preview of 10 and 500 objects beside flux diff kustomization, the engine's compile time and memory (own test bed)
	cargo build --release -p flux-web
	e2e/bench/preview

.PHONY: fmt
fmt: ## Format the code
	cargo fmt --all

.PHONY: openapi
openapi: ## Write the OpenAPI document generated from the code to openapi/openapi.json
	cargo run -q -p flux-web -- --print-openapi > openapi/openapi.json
