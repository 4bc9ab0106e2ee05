#!/usr/bin/env bash
# A short run of every cargo-fuzz target (fuzz/fuzz_targets/*.rs) from its committed seed
# corpus: CI's check that the targets build and that no seed or quick mutation panics or
# breaks an invariant. Long runs (to a coverage plateau) are for people: see fuzz/README.md.
#
# Installs the nightly toolchain and cargo-fuzz when missing. Knobs (environment):
#   FUZZ_SECONDS  seconds per target (default 25)
#   FUZZ_TARGETS  space-separated targets to run (default: all)
# New inputs found during the run go to a temporary directory, never into fuzz/corpus.
# A crash or an invariant failure exits non-zero and prints the input to reproduce it with
# `cargo +nightly fuzz run -s none <target> <file>`.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-25}"
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

targets="${FUZZ_TARGETS:-$(cd fuzz && cargo +nightly fuzz list)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# No sanitizer: the code under test is safe Rust (the C libraries it links are not
# reached by these targets), and building without ASan instrumentation takes half as long.
# Every target is built in one cargo invocation.
cd fuzz
started=$SECONDS
cargo +nightly fuzz build -s none
echo "fuzz-smoke: built the targets in $((SECONDS - started)) s"

failed=()
for target in $targets; do
  mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
        -artifact_prefix="$work/$target/artifacts/" -print_final_stats=1)
  if [ -f "dict/$target.dict" ]; then
    args+=(-dict="dict/$target.dict")
  fi
  echo "fuzz-smoke: $target for ${seconds} s"
  seeds=()
  if [ -d "corpus/$target" ]; then seeds+=("corpus/$target"); fi
  if ! cargo +nightly fuzz run -s none "$target" "$work/$target/corpus" "${seeds[@]}" \
       -- "${args[@]}" 2>"$work/$target/log"; then
    failed+=("$target")
    tail -n 60 "$work/$target/log"
    for artifact in "$work/$target"/artifacts/*; do
      [ -e "$artifact" ] || continue
      echo "fuzz-smoke: $target failed on $(basename "$artifact") (base64 below)"
      base64 -w0 "$artifact"; echo
    done
  else
    grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/$target/log" || true
  fi
done
echo "fuzz-smoke: done in $((SECONDS - started)) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz-smoke: FAILED: ${failed[*]}" >&2
  exit 1
fi
