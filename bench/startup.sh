#!/usr/bin/env bash
# Builds Switchboard and the floor app in release mode with their UIs embedded, then runs
# bench/startup.py on both. `make bench` runs this after setting up what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --features custom-protocol --bin switchboard
# The floor is its own Cargo workspace with its own lock file, so it builds in its own directory.
cargo build --release --manifest-path bench/floor/Cargo.toml --target-dir target/floor
python3 bench/startup.py target/release/switchboard target/floor/release/tauri-floor
