#!/usr/bin/env bash
# A short run of every cargo-fuzz target (fuzz/fuzz_targets/*.rs) from its committed seed
# corpus: CI's check that the targets build and that no seed or quick mutation panics or
# breaks an invariant. Long runs (to a coverage plateau) are for people: see fuzz/README.md.
#
# Installs the nightly toolchain and cargo-fuzz when missing. The targets are built
# unoptimised (`--dev`, half the build time of a release build) and without a sanitizer
# (the code under test is safe Rust). Knobs (environment):
#   FUZZ_SECONDS  seconds per target (default 20)
#   FUZZ_JOBS     targets run at once (default: the number of cores, at most 4)
#   FUZZ_TARGETS  space-separated targets to run (default: all)
# New inputs found during the run go to a temporary directory, never into fuzz/corpus.
# A crash or an invariant failure exits non-zero and prints the input (base64) to
# reproduce it with `cargo +nightly fuzz run -s none <target> <file>`.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${FUZZ_SECONDS:-20}"
jobs="${FUZZ_JOBS:-$(nproc)}"
if [ "$jobs" -gt 4 ]; then jobs=4; fi
started=$SECONDS
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
echo "fuzz-smoke: toolchain ready after $((SECONDS - started)) s"

targets="${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

built=$SECONDS
cargo +nightly fuzz build -s none --dev
echo "fuzz-smoke: built the targets in $((SECONDS - built)) s"

run_one() {
  local target="$1" dir="$work/$1"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
              -artifact_prefix="$dir/artifacts/" -print_final_stats=1)
  [ -f "dict/$target.dict" ] && args+=(-dict="dict/$target.dict")
  local seeds=()
  [ -d "corpus/$target" ] && seeds+=("corpus/$target")
  if cargo +nightly fuzz run -s none --dev "$target" "$dir/corpus" "${seeds[@]}" \
       -- "${args[@]}" >"$dir/log" 2>&1; then
    echo ok >"$dir/result"
  else
    echo failed >"$dir/result"
  fi
}

ran=$SECONDS
running=0
for target in $targets; do
  echo "fuzz-smoke: $target for ${seconds} s"
  run_one "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

failed=()
for target in $targets; do
  dir="$work/$target"
  if [ "$(cat "$dir/result" 2>/dev/null)" = ok ]; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
    cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$dir/log" | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+' || true)
    echo "fuzz-smoke: $target ok: ${runs:-?} runs, ${cov:-no coverage line}"
  else
    failed+=("$target")
    echo "fuzz-smoke: $target FAILED; the end of its log:"
    tail -n 60 "$dir/log"
    for artifact in "$dir"/artifacts/*; do
      [ -e "$artifact" ] || continue
      echo "fuzz-smoke: $target failed on $(basename "$artifact"), base64:"
      base64 -w0 "$artifact"
      echo
    done
  fi
done
echo "fuzz-smoke: ran the targets in $((SECONDS - ran)) s; $((SECONDS - started)) s in all"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz-smoke: FAILED: ${failed[*]}" >&2
  exit 1
fi
