#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad-input test suite for the dermatwin CLI (STUDY_FORMAT.md section 5).
#
# Usage: bad_inputs_test.sh <path-to-dermatwin> <dir-with-bad-files> [valid-default-study]
#
# Every *.yaml in <dir-with-bad-files> is a malformed study whose first comment line is
#   # expect-key: <key path the error message must name>
# For each file, `dermatwin run FILE --out TMP/out_NAME` must
#   (a) exit with status exactly 2,
#   (b) print `FILE:N: KEY...` on stderr (file path, line number, then the expected key path
#       or a longer path starting with it, as in `FILE:LINE: KEY: message`),
#   (c) leave neither TMP/out_NAME nor a TMP/.out_NAME.partial-* sibling behind,
# and (d) `dermatwin validate FILE` must also exit with status 2.
# Prints `PASS name` / `FAIL name: reason` per case and `N passed, M failed` at the end.
set -u

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 <path-to-dermatwin> <dir-with-bad-files> [valid-default-study]" >&2
  exit 2
fi

BIN=$1
BAD_DIR=$2
DEFAULT_STUDY=${3:-}

if [ ! -x "$BIN" ]; then
  echo "error: '$BIN' is not an executable" >&2
  exit 2
fi
if [ ! -d "$BAD_DIR" ]; then
  echo "error: '$BAD_DIR' is not a directory" >&2
  exit 2
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dermatwin_bad_inputs.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

passed=0
failed=0

pass() {
  echo "PASS $1"
  passed=$((passed + 1))
}

fail() {
  echo "FAIL $1: $2"
  failed=$((failed + 1))
}

# First line of stderr, for failure messages.
first_line() {
  head -n 1 "$1" | cut -c 1-300
}

# Escapes a string for use as a literal in an extended regular expression.
ere_escape() {
  printf '%s' "$1" | sed -e 's/[][\.*^$+?(){}|/]/\\&/g'
}

shopt -s nullglob
files=("$BAD_DIR"/*.yaml)
shopt -u nullglob
if [ ${#files[@]} -eq 0 ]; then
  fail "bad_files" "no *.yaml files in $BAD_DIR"
fi

for file in "${files[@]}"; do
  base=$(basename "$file" .yaml)
  name="bad/$base"
  out="$TMP/out_$base"
  err="$TMP/$base.stderr"

  key=$(sed -n -e '1s/^#[[:space:]]*expect-key:[[:space:]]*//p' "$file" | sed -e 's/[[:space:]]*$//')
  if [ -z "$key" ]; then
    fail "$name" "first line has no '# expect-key: <key>' comment"
    continue
  fi

  "$BIN" run "$file" --out "$out" >"$TMP/$base.stdout" 2>"$err"
  status=$?
  reasons=()

  # (a) exit status
  if [ "$status" -ne 2 ]; then
    reasons+=("run exited with status $status, expected 2")
  fi

  # (b) message: FILE:N: KEY:
  if ! grep -qF -- "$file" "$err"; then
    reasons+=("stderr does not contain the file path '$file'")
  elif ! grep -qE -- "$(ere_escape "$file"):[0-9]+:" "$err"; then
    reasons+=("stderr has no '$file:N:' line number")
  fi
  if ! grep -qF -- "$key" "$err"; then
    reasons+=("stderr does not contain the key '$key'")
  elif ! grep -qE -- "$(ere_escape "$file"):[0-9]+: $(ere_escape "$key")" "$err"; then
    reasons+=("stderr is not of the form '$file:N: $key...: ...'")
  fi

  # (c) nothing written
  if [ -e "$out" ]; then
    reasons+=("output folder $out exists")
  fi
  leftovers=$(find "$TMP" -maxdepth 1 \( -name ".out_$base.partial-*" -o -name ".out_$base.old-*" \) | head -n 3)
  if [ -n "$leftovers" ]; then
    reasons+=("staging folder left behind: $(echo $leftovers)")
  fi

  # (d) validate agrees
  "$BIN" validate "$file" >/dev/null 2>"$TMP/$base.validate.stderr"
  vstatus=$?
  if [ "$vstatus" -ne 2 ]; then
    reasons+=("validate exited with status $vstatus, expected 2")
  fi

  if [ ${#reasons[@]} -eq 0 ]; then
    pass "$name"
  else
    msg=$(printf '%s; ' "${reasons[@]}")
    fail "$name" "${msg%; } [stderr: $(first_line "$err")]"
  fi
done

# run on a file that does not exist
missing="$TMP/no_such_study.yaml"
"$BIN" run "$missing" --out "$TMP/out_missing" >/dev/null 2>"$TMP/missing.stderr"
status=$?
if [ "$status" -ne 2 ]; then
  fail "run_nonexistent_file" "exit status $status, expected 2 [stderr: $(first_line "$TMP/missing.stderr")]"
elif [ -e "$TMP/out_missing" ]; then
  fail "run_nonexistent_file" "output folder was created"
elif ! grep -qF -- "$missing" "$TMP/missing.stderr"; then
  fail "run_nonexistent_file" "stderr does not name the file [stderr: $(first_line "$TMP/missing.stderr")]"
else
  pass "run_nonexistent_file"
fi

# --set override out of range on the valid default study
if [ -n "$DEFAULT_STUDY" ]; then
  if [ ! -f "$DEFAULT_STUDY" ]; then
    fail "set_age_out_of_range" "default study '$DEFAULT_STUDY' not found"
  else
    "$BIN" run "$DEFAULT_STUDY" --set patient.age_years=500 --out "$TMP/out_set_age" \
      >/dev/null 2>"$TMP/set_age.stderr"
    status=$?
    if [ "$status" -ne 2 ]; then
      fail "set_age_out_of_range" "exit status $status, expected 2 [stderr: $(first_line "$TMP/set_age.stderr")]"
    elif ! grep -qF "patient.age_years" "$TMP/set_age.stderr"; then
      fail "set_age_out_of_range" "stderr does not contain 'patient.age_years' [stderr: $(first_line "$TMP/set_age.stderr")]"
    elif [ -e "$TMP/out_set_age" ]; then
      fail "set_age_out_of_range" "output folder was created"
    else
      pass "set_age_out_of_range"
    fi

    # an override that descends through a scalar value (patient.age_years is a number)
    "$BIN" validate "$DEFAULT_STUDY" --set patient.age_years.x=1 >/dev/null 2>"$TMP/set_scalar.stderr"
    status=$?
    if [ "$status" -ne 2 ]; then
      fail "set_through_scalar" "exit status $status, expected 2 [stderr: $(first_line "$TMP/set_scalar.stderr")]"
    elif ! grep -qF "patient.age_years" "$TMP/set_scalar.stderr"; then
      fail "set_through_scalar" "stderr does not contain 'patient.age_years' [stderr: $(first_line "$TMP/set_scalar.stderr")]"
    else
      pass "set_through_scalar"
    fi

    "$BIN" validate "$DEFAULT_STUDY" >/dev/null 2>"$TMP/default.stderr"
    status=$?
    if [ "$status" -ne 0 ]; then
      fail "validate_default_study" "exit status $status, expected 0 [stderr: $(first_line "$TMP/default.stderr")]"
    else
      pass "validate_default_study"
    fi
  fi
else
  echo "SKIP set_age_out_of_range: no default study given (3rd argument)"
fi

# unknown library id
"$BIN" show drug no_such_drug >/dev/null 2>"$TMP/show.stderr"
status=$?
if [ "$status" -ne 2 ]; then
  fail "show_unknown_drug" "exit status $status, expected 2 [stderr: $(first_line "$TMP/show.stderr")]"
else
  pass "show_unknown_drug"
fi

# --version
"$BIN" --version >"$TMP/version.stdout" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
  fail "version" "exit status $status, expected 0"
else
  pass "version"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
