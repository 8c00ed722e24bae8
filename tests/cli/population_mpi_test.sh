#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `dermatwin population` gives byte-identical files on 1 rank x 2 threads and
# on 2 MPI ranks x 1 thread (subject i depends only on the seed and i).
# Usage: population_mpi_test.sh <dermatwin> <study>
set -euo pipefail
bin=$1 study=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" population "$study" --out "$tmp/one" --threads 2 --set study.subjects=60 > /dev/null
mpirun --allow-run-as-root --oversubscribe -np 2 "$bin" population "$study" --out "$tmp/two" --threads 1 \
  --set study.subjects=60 > /dev/null
for f in subjects.csv bands.csv summary.json; do
  cmp "$tmp/one/$f" "$tmp/two/$f" || { echo "FAIL: $f differs between 1 and 2 ranks"; exit 1; }
done
[ "$(wc -l < "$tmp/one/subjects.csv")" -eq 61 ] || { echo "FAIL: expected 60 subjects"; exit 1; }
echo "PASS: identical population results on 1 and 2 ranks"
