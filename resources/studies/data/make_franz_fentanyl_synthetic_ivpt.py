#!/usr/bin/env python3
"""Makes franz_fentanyl_synthetic_ivpt.csv: SYNTHETIC Franz-cell data (not measured).

Truth: the study franz_fit_ivpt_fentanyl.yaml with stratum corneum
D = 2.6e-10 cm2/s and K = 1.8, chosen so that the model gives the published
fentanyl summaries: kp about 0.0011 cm/h (Larsen et al. 2003, human skin,
static cells), lag time < 0.5 h (Roy & Flynn 1990) and, with a 0.04 mg/mL
donor, about 2 ug/cm2 permeated in 48 h (Holmgaard et al. 2013: 2000 ng/cm2
for 30-60 year old donors).
Noise: 3 cells; each cell's curve is scaled by a log-normal factor (SD of log
0.15: between-cell variation, cf. the 18 % intra-individual variation of
Larsen 2003), and each sample gets an independent 5 % proportional error.
Seed 20031105. Usage: make_franz_fentanyl_synthetic_ivpt.py DERMATWIN > CSV
"""
import csv, io, math, os, random, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
study = os.path.join(here, "..", "franz_fit_ivpt_fentanyl.yaml")
times = [0.5, 1, 2, 3, 4, 6, 8, 12, 24, 36, 48]
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "truth")
    subprocess.run([sys.argv[1], "run", study, "--out", out,
                    "--set", "skin.layers.0.diffusivity_cm2_per_s=2.6e-10",
                    "--set", "skin.layers.0.partition_coefficient=1.8",
                    "--set", "simulation.output_every_h=0.5",
                    "--set", "simulation.relative_tolerance=1e-9"], check=True, stdout=subprocess.DEVNULL)
    rows = list(csv.DictReader(open(os.path.join(out, "timeseries.csv"))))
q = {float(r["time_h"]): float(r["cumulative_permeated_ug_per_cm2"]) for r in rows}
rng = random.Random(20031105)
print("# SYNTHETIC data, not measured: made by make_franz_fentanyl_synthetic_ivpt.py (see its header)")
print("# truth: stratum corneum D = 2.6e-10 cm2/s, K = 1.8; 3 cells, log-normal cell factor (SD 0.15) x 5 % sample noise")
print("time_h,replicate,cumulative_permeated_ug_per_cm2")
for cell in (1, 2, 3):
    factor = math.exp(rng.gauss(0, 0.15))
    for t in times:
        print(f"{t:g},{cell},{q[t] * factor * (1 + 0.05 * rng.gauss(0, 1)):.5g}")
