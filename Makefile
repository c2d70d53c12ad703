# Switchboard's two entry points for a fresh Debian 12 machine, and the steps they are made of.
#   make run   installs what is missing, builds the UI and launches the console
#   make test  installs what is missing and runs every check and test
# Pass arguments to the app with ARGS, e.g. `make run ARGS="--data-dir /tmp/sb"`.

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
CARGO_FEATURES := --features custom-protocol

.PHONY: run test deps ui lint ui-test rust-test e2e bench

run: deps ui
	cargo run --release $(CARGO_FEATURES) -- $(ARGS)

test: deps lint ui-test ui rust-test

deps:
	scripts/setup

# The UI bundle the binary embeds.
ui:
	cd ui && npm run build

lint: ui
	cargo fmt --all --check
	cargo clippy --all-targets $(CARGO_FEATURES) -- -D warnings

ui-test:
	cd ui && npm run check && npm test

# Every Rust test, the end-to-end suite included, in a private D-Bus session with an unlocked
# keyring; the end-to-end suite starts its own Xvfb.
rust-test: ui
	scripts/with-keyring cargo test --workspace $(CARGO_FEATURES)

e2e: ui
	scripts/with-keyring cargo test $(CARGO_FEATURES) --test e2e

bench: deps ui
	bench/startup.sh
	cargo build --release -p slack-emulator
	cargo bench -p switchboard-slack --bench directory
	cargo bench -p switchboard-core --bench sync
	cargo bench -p switchboard-core --bench outbox
	cargo bench -p switchboard-core --bench socket
