#!/usr/bin/env bash
# Diff of two 100-statement framework versions: p50/p99 of 20,000 timed calls, then
# criterion's estimates, each beside two baselines measured in the same run (a plain line
# diff of the two versions written out as text, and an item-id set comparison).
# Target: p99 under 5 ms.
#
#   bench/diff.sh
#
# The machine's load is printed first: on a shared machine the tail of the distribution
# moves with it.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "cores: $(nproc)   load before: $(cut -d' ' -f1-3 /proc/loadavg)"
cargo bench -p nsx-core --bench diff -- --noplot 2>&1 |
  grep -vE '^\s*(Compiling|Finished|Running|Benchmarking)'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
