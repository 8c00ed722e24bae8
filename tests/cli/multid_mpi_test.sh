#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `dermatwin run` of a multi-D study gives the same summary on 1 process and
# on 2 MPI ranks (mesh and matrices distributed) within 1e-8 relative, and
# writes the fields (PVD + PVTU + one VTU piece per rank) from rank 0.
# Usage: multid_mpi_test.sh <dermatwin> <study> [axisymmetric|3d] [--set KEY=VALUE ...]
set -euo pipefail
bin=$1 study=$2 geometry=${3:-axisymmetric}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sets=(--set simulation.geometry="$geometry" --set simulation.accuracy=coarse --set simulation.end_h=24
      --set simulation.output_every_h=1 --set simulation.fields_every_h=12 "${@:4}")
"$bin" run "$study" --out "$tmp/one" "${sets[@]}" > /dev/null
mpirun --allow-run-as-root --oversubscribe -np 2 "$bin" run "$study" --out "$tmp/two" "${sets[@]}" > /dev/null
for k in cmax_ng_per_mL tmax_h auc_0_last_ng_h_per_mL delivered_ug cumulative_absorbed_ug amount_in_skin_at_end_ug \
         amount_left_in_patch_ug dof_count time_steps; do
  a=$(jq ".$k" "$tmp/one/summary.json") b=$(jq ".$k" "$tmp/two/summary.json")
  awk -v a="$a" -v b="$b" -v k="$k" 'BEGIN { d = a - b; if (d < 0) d = -d; s = (a < 0 ? -a : a);
    if (d > 1e-8 * s) { printf "FAIL: %s differs: %s (1 rank) vs %s (2 ranks)\n", k, a, b; exit 1 } }'
done
[ "$(jq .mass_balance_relative_error "$tmp/two/summary.json" | awk '{ print ($1 < 1e-6) }')" = 1 ] ||
  { echo "FAIL: mass balance"; exit 1; }
for f in fields/fields.pvd fields/fields_00002.pvtu fields/fields_00002.0.vtu fields/fields_00002.1.vtu; do
  [ -s "$tmp/two/$f" ] || { echo "FAIL: $f missing"; exit 1; }
done
echo "PASS: 1 and 2 ranks agree within 1e-8; fields written"
