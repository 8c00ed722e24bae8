#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs the FEniCSx peer (dolfinx_skin.py) on the cases of benchmarks/peers/README.md and writes a table.

Each case is a separate process (fresh peak RSS; the 3D case under mpirun). Results: dolfinx_results.csv (one row per
run) and dolfinx_results.md (the table for docs/performance.md) in OUT_DIR.

Usage: dolfinx_bench.py RESOLVED_YAML REFERENCE_TIMESERIES DERMATWIN_DIR OUT_DIR [--quick] [--ranks N]
  REFERENCE_TIMESERIES  timeseries.csv of the converged DermaTwin run (8 cells/layer, FE_Q(4), rtol 1e-11)
  DERMATWIN_DIR         output folder of a plain `dermatwin run` of the same study (the 1D cross-check row)
"""
import csv
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
TIMES = ("24", "72", "120")
COLUMNS = ["case", "mode", "ranks", "solver", "degree", "n", "dt_h", "h_cm", "dofs", "steps", "krylov_iterations",
           "setup_s", "solve_s", "solve_cpu_s_max_rank", "absorbed_24h_ug", "absorbed_72h_ug", "absorbed_120h_ug", "max_error",
           "change_72h", "mass_balance_relative_error", "peak_rss_mb_total", "wall_s"]


def run(args, ranks=1, timeout=None):
    """Runs dolfinx_skin.py, returns its JSON lines (a timeout returns what was printed so far)."""
    cmd = [PY, os.path.join(HERE, "dolfinx_skin.py")] + args
    if ranks > 1:
        cmd = ["mpirun", "--allow-run-as-root", "-np", str(ranks)] + cmd
    start = time.perf_counter()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True).stdout
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        print(f"  timeout after {timeout} s: {' '.join(args)}", file=sys.stderr)
    wall = time.perf_counter() - start
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    for r in rows:
        r["wall_s"] = wall
    return rows


def flat(case, r):
    row = {"case": case, **{k: r.get(k) for k in COLUMNS if k in r}}
    for t in TIMES:
        if t in r.get("outputs", {}):
            row[f"absorbed_{t}h_ug"] = r["outputs"][t]["absorbed_ug"]
    return row


def main():
    resolved, reference, dermatwin_dir, out_dir = sys.argv[1:5]
    quick = "--quick" in sys.argv
    ranks = int(sys.argv[sys.argv.index("--ranks") + 1]) if "--ranks" in sys.argv else 2
    ref = ["--reference", reference]
    rows = []

    def log(case, r):
        rows.append(flat(case, r))
        show = {k: rows[-1].get(k) for k in ("case", "dofs", "steps", "setup_s", "solve_s", "absorbed_72h_ug",
                                                "max_error", "change_72h")}
        print("  " + json.dumps(show), flush=True)

    # DermaTwin's own 1D answer (plain `dermatwin run`, default accuracy): the cross-check row.
    series = {f"{float(r['time_h']):g}": float(r["cumulative_absorbed_ug"])
              for r in csv.DictReader(open(os.path.join(dermatwin_dir, "timeseries.csv")))}
    summary = json.load(open(os.path.join(dermatwin_dir, "summary.json")))
    rows.append({"case": "DermaTwin 1d (dermatwin run, accuracy default)", "mode": "1d", "ranks": 1,
                 "solver": "dermatwin", "degree": 2, "dofs": summary["dof_count"], "steps": summary["time_steps"],
                 "solve_s": summary["wall_time_s"],
                 **{f"absorbed_{t}h_ug": series[t] for t in TIMES}})
    print("== 1D: cheapest (n, dt) within 1e-3 and 1e-6 of the converged reference (absorbed at 24/72/120 h)")
    grids = [("1", "1,2:2,1,0.5"), ("2", "1:2,1,0.5,0.25")] if quick else \
        [("1", "2,4,8,16,32,64,128:2,1,0.5,0.25,0.125,0.0625"), ("2", "1,2,4:2,1,0.5,0.25,0.125,0.0625,0.03125")]
    for degree, grid in grids:
        for r in run([resolved, "--mode", "1d", "--degree", degree, "--grid", grid, "--repeats", "1" if quick else "3"]
                     + ref):
            if "fastest_within" in r:
                log(f"1d P{degree}, cheapest within {r['fastest_within']:g}", r)
    print("== 1D: --converge (P1, n doubled and dt halved until absorbed(72 h) changes < 1e-3, < 1e-6)")
    levels = run([resolved, "--mode", "1d", "--n", "1", "--dt", "1", "--converge",
                  "--tolerances", "1e-3" if quick else "1e-3,1e-6"] + ref)
    converge_rows(levels, "1d P1 converge", log)
    print("== axisymmetric: --converge to 0.1 % (CG + BoomerAMG, then LU)")
    for solver in ("cg-amg", "lu"):
        converge_rows(run([resolved, "--mode", "axi", "--n", "2", "--dt", "1", "--converge", "--tolerances", "1e-3",
                           "--max-levels", "3" if quick else "5", "--rtol", "1e-8", "--solver", solver] + ref),
                      f"axi converge {solver}", log)
    n_axi = 16 if quick else 54  # 34 n^2 DOFs: n = 54 gives about 100k
    print(f"== axisymmetric at n = {n_axi} (120 h, dt 0.5 h)")
    for solver in ("cg-amg", "lu"):
        for r in run([resolved, "--mode", "axi", "--n", str(n_axi), "--dt", "0.5", "--solver", solver, "--rtol", "1e-8"]
                     + ref):
            log(f"axi n={n_axi} {solver}", r)
    print(f"== 3D, {ranks} MPI ranks: growing until the run takes more than 3 min")
    sizes = [(1, 0.4)] if quick else [(2, 0.2), (2, 0.14), (2, 0.1), (3, 0.07), (4, 0.05)]
    largest = None
    for n, h in sizes:
        got = run([resolved, "--mode", "3d", "--n", str(n), "--h-cm", str(h), "--dt", "0.5", "--rtol", "1e-8"] + ref,
                  ranks=ranks, timeout=None if quick else 400)
        for r in got:
            log(f"3d n={n} h={h} cm, {ranks} ranks", r)
        if not got or got[-1]["wall_s"] > 180:
            break
        largest = (n, h)
    if ranks > 1 and largest:  # the same size on one rank: the parallel speed-up
        n, h = largest
        for r in run([resolved, "--mode", "3d", "--n", str(n), "--h-cm", str(h), "--dt", "0.5", "--rtol", "1e-8"] + ref):
            log(f"3d n={n} h={h} cm, 1 rank", r)
    write(rows, out_dir)


def converge_rows(lines, name, log):
    """One table row per refinement level; the first level whose change from the previous is below a tolerance is
    marked with it."""
    marks = {}
    for r in lines:
        if "converged_to" in r:
            marks.setdefault(r["level"], []).append(f"{r['converged_to']:g}")
    for r in lines:
        if "level" in r and "converged_to" not in r:
            mark = f" (change < {', '.join(marks[r['level']])})" if r["level"] in marks else ""
            log(f"{name}: n={r['n']}, dt={r['dt_h']:g} h{mark}", r)


def fmt(v, digits=4):
    if v is None or v == "":
        return ""
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v)


def write(rows, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "dolfinx_results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in COLUMNS})
    head = ["case", "DOFs", "steps", "setup s", "solve s (CPU s, max rank)", "absorbed 24/72/120 h (µg)", "err vs ref",
            "Δ72h vs previous level", "peak RSS MB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append("| " + " | ".join([
            r["case"], fmt(r.get("dofs")), fmt(r.get("steps")), fmt(r.get("setup_s"), 3),
            fmt(r.get("solve_s"), 3) + (f" ({fmt(r['solve_cpu_s_max_rank'], 3)})" if r.get("solve_cpu_s_max_rank") else ""),
            " / ".join(f"{r[f'absorbed_{t}h_ug']:.2f}" if r.get(f"absorbed_{t}h_ug") is not None else "–"
                       for t in TIMES), fmt(r.get("max_error"), 2), fmt(r.get("change_72h"), 2), fmt(r.get("peak_rss_mb_total"), 3)]) + " |")
    text = "\n".join(lines) + "\n"
    open(os.path.join(out_dir, "dolfinx_results.md"), "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
