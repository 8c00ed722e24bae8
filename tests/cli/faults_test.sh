#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Faults (docs/reliability.md): an interrupted population or sweep resumes from
# DIR.checkpoint without recomputing finished runs and writes the same files as
# an uninterrupted run; Ctrl-C/SIGTERM exit 130 and SIGKILL leave no output
# folder; an unwritable or full output location gives exit 1 and leaves
# nothing; an oversized population is refused (exit 2) before any work.
# Usage: faults_test.sh <dermatwin> <population-study> <sweep-study> <single-run-study>
set -uo pipefail
bin=$1 population=$2 sweep=$3 single=$4
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dermatwin_faults.XXXXXX")
mnt=""
cleanup() { [ -n "$mnt" ] && umount "$mnt" 2> /dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
pass() { echo "PASS: $*"; }
records_in() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }

# Starts "$@" in the background, waits until the checkpoint has >= $2 records
# (or the run ended), then sends signal $1. Prints the exit status.
interrupt_after() {
  local signal=$1 records=$2 checkpoint=$3; shift 3
  "$@" > /dev/null 2>> "$tmp/stderr" &
  local pid=$!
  for _ in $(seq 1 600); do
    [ "$(records_in "$checkpoint")" -ge "$records" ] && break
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  kill "-$signal" "$pid" 2> /dev/null
  wait "$pid"
  echo $?
}

resume_case() { # name, study, command, extra options
  local name=$1 study=$2 command=$3; shift 3
  local out="$tmp/$name" ref="$tmp/${name}_reference"
  local args=("$bin" "$command" "$study" --out "$out" --threads 1 "$@")
  local status records=2 before=$failed
  for signal in INT KILL TERM; do
    status=$(interrupt_after "$signal" "$records" "$out.checkpoint" "${args[@]}")
    case $signal in
      KILL) [ "$status" = 137 ] || fail "$name: SIGKILL gave status $status" ;;
      *) [ "$status" = 130 ] || fail "$name: SIG$signal gave status $status (expected 130)" ;;
    esac
    [ -e "$out" ] && fail "$name: output folder exists after SIG$signal"
    ls -a "$tmp" | grep -q "\.$name\.partial" && fail "$name: staging folder left after SIG$signal"
    records=$(( $(records_in "$out.checkpoint") + 2 ))
  done
  local kept
  kept=$(records_in "$out.checkpoint")
  [ "$kept" -ge 2 ] || fail "$name: only $kept runs in the checkpoint after the interruptions"
  "${args[@]}" > /dev/null 2> "$tmp/resume.err" || fail "$name: resumed run failed: $(cat "$tmp/resume.err")"
  grep -q "] $kept runs taken from the checkpoint" "$tmp/resume.err" \
    || fail "$name: did not resume all $kept finished runs: $(cat "$tmp/resume.err")"
  [ -e "$out.checkpoint" ] && fail "$name: checkpoint not removed after success"
  "$bin" "$command" "$study" --out "$ref" --threads 2 "$@" > /dev/null 2>&1 || fail "$name: reference run failed"
  for f in "$ref"/*; do
    cmp -s "$f" "$out/$(basename "$f")" || fail "$name: $(basename "$f") differs from an uninterrupted run"
  done
  [ "$failed" = "$before" ] \
    && pass "$name: interrupted by SIGINT, SIGKILL, SIGTERM; resumed with $kept finished runs; identical files"
}

# Slow enough to be interrupted several times: accuracy fine, stepped in time (extrapolated implicit Euler,
# ~15-40 ms per run; the default exact modal solution takes ~2 ms).
slow=(--set simulation.accuracy=fine --set simulation.time_integrator=extrapolation)
resume_case population "$population" population --set study.subjects=200 "${slow[@]}"
resume_case sweep "$sweep" sweep "${slow[@]}" --set study.parameters.0.steps=25

# Unwritable output locations: exit 1, clear message, nothing written.
for bad in /dev/null/out /proc/dermatwin_out; do
  "$bin" run "$single" --out "$bad" > /dev/null 2> "$tmp/err"; status=$?
  [ $status = 1 ] && grep -q "cannot write the output folder $bad" "$tmp/err" \
    && pass "run --out $bad: exit 1, $(head -c 120 "$tmp/err")" || fail "run --out $bad: status $status, $(cat "$tmp/err")"
  "$bin" population "$population" --out "$bad" --set study.subjects=2 > /dev/null 2> "$tmp/err"; status=$?
  [ $status = 1 ] && grep -q "cannot write the output folder" "$tmp/err" \
    && pass "population --out $bad: exit 1 before starting" || fail "population --out $bad: status $status"
done

# A full disk: a 64 kB tmpfs (needs mount rights; skipped without them).
mkdir -p "$tmp/small"
if mount -t tmpfs -o size=64k tmpfs "$tmp/small" 2> /dev/null; then
  mnt="$tmp/small"
  head -c 40000 /dev/zero > "$mnt/filler"
  "$bin" run "$single" --out "$mnt/out" > /dev/null 2> "$tmp/err"; status=$?
  left=$(ls -A "$mnt" | grep -v '^filler$' | tr '\n' ' ')
  [ $status = 1 ] && [ -z "$left" ] && grep -q "cannot write the output folder" "$tmp/err" \
    && pass "full disk: exit 1, nothing left ($(head -c 150 "$tmp/err"))" \
    || fail "full disk: status $status, left '$left', $(cat "$tmp/err")"
else
  echo "SKIP: full disk (cannot mount a tmpfs here)"
fi

# Limits: refused before any work, no folder, no checkpoint.
"$bin" population "$population" --out "$tmp/huge" --set study.subjects=10000000 > /dev/null 2> "$tmp/err"; status=$?
[ $status = 2 ] && grep -q "study.subjects" "$tmp/err" && [ ! -e "$tmp/huge" ] && [ ! -e "$tmp/huge.checkpoint" ] \
  && pass "10^7 subjects refused: $(cat "$tmp/err")" || fail "10^7 subjects: status $status, $(cat "$tmp/err")"
"$bin" run "$single" --out "$tmp/long" --set simulation.end_h=1e9 > /dev/null 2> "$tmp/err"; status=$?
[ $status = 2 ] && [ ! -e "$tmp/long" ] && pass "end_h 1e9 refused: $(cat "$tmp/err")" || fail "end_h 1e9: status $status"

exit $failed
