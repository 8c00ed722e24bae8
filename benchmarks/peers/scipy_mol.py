#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Peer benchmark: the default DermaTwin study solved by a generic method of lines.

The same physics as DermaTwin (docs/physics.md): a drug-in-adhesive patch on stratum corneum, viable epidermis and
dermis; potential u = c/K continuous across interfaces; first-order uptake k c into blood in the dermis; no flux at the
bottom; the patch is removed at remove_h (its surface then becomes no-flux); a 3-compartment PK model fed by the
uptake. Discretisation: cell-centred finite volumes, N equal cells per layer (second order), harmonic (series-resistance) face conductances in u, so partition jumps are exact. Time: SciPy's
solve_ivp BDF (variable order 1-5) with the sparse Jacobian given analytically.

The layer parameters are read from DermaTwin's study.resolved.yaml of the same study (so both solve the same
problem), and the reference values (Cmax, amount absorbed by end_h) come from a converged DermaTwin run. Prints, for
each (cells per layer, rtol) tried, the unknowns, time (best of repeats) and the relative errors, then the cheapest
configuration reaching 1e-3 and 1e-6.

Usage: scipy_mol.py RESOLVED_YAML REFERENCE_SUMMARY_JSON [--quick]
"""
import json
import sys
import time

import numpy as np
import scipy.sparse as sp
from scipy.integrate import solve_ivp
from scipy.optimize import minimize_scalar


def read_resolved(path):
    """The numbers the model needs, from a resolved one-patch study (a small line parser: YAML 'key: value  # source')."""
    values, layers = {}, []
    in_layers = False
    for line in open(path):
        line = line.split("#")[0].rstrip()
        if not line.strip():
            continue
        key, _, value = line.strip().lstrip("- ").partition(":")
        if key == "layers":
            in_layers = True
            continue
        if in_layers and line.strip().startswith("- name:"):
            layers.append({"blood_uptake_rate_per_h": 0.0})
            continue
        if in_layers and not line.startswith(" " * 10):
            in_layers = False
        try:
            number = float(value)
        except ValueError:
            continue
        if in_layers:
            layers[-1][key] = number
        else:
            values.setdefault(key, number)
    patch = {k: values[k] for k in ["area_cm2", "drug_load_mg", "thickness_um", "diffusivity_cm2_per_s"]}
    pk = {k: values[k] for k in ["clearance_L_per_h", "v1_L", "v2_L", "q_L_per_h", "v3_L", "q3_L_per_h"]}
    return dict(patch=patch, layers=layers, pk=pk, remove_h=values["remove_h"], end_h=values["end_h"])


def uniform_cells(thickness_cm, n):
    """n equal cell widths (a generic method of lines; strong geometric grading was tried and converges worse)."""
    return np.full(n, thickness_cm / n)


class LayeredSkinMol:
    def __init__(self, m, cells_per_layer):
        patch = m["patch"]
        seconds_per_h = 3600.0
        # Layer list: patch (K = 1) then the skin layers; D in cm2/h, thickness in cm.
        specs = [(patch["thickness_um"] * 1e-4, patch["diffusivity_cm2_per_s"] * seconds_per_h, 1.0, 0.0)]
        specs += [(l["thickness_um"] * 1e-4, l["diffusivity_cm2_per_s"] * seconds_per_h, l["partition_coefficient"],
                   l["blood_uptake_rate_per_h"]) for l in m["layers"]]
        dx, D, K, k = [], [], [], []
        for thickness, d, kk, uptake in specs:
            w = uniform_cells(thickness, cells_per_layer)
            dx += list(w); D += [d] * len(w); K += [kk] * len(w); k += [uptake] * len(w)
        self.dx, self.D, self.K, self.k = map(np.array, (dx, D, K, k))
        self.n_patch = cells_per_layer
        self.n = len(self.dx)
        # Face conductances in u = c/K: G = 1 / (dx_i / (2 D_i K_i) + dx_j / (2 D_j K_j)).
        r = self.dx / (2 * self.D * self.K)
        self.G = 1.0 / (r[:-1] + r[1:])
        self.area = patch["area_cm2"]
        c0 = patch["drug_load_mg"] / (patch["area_cm2"] * patch["thickness_um"] * 1e-4)
        self.y0 = np.zeros(self.n + 4)
        self.y0[: self.n_patch] = c0  # patch concentration, fully dissolved (load below solubility)
        pk = m["pk"]
        self.V = np.array([pk["v1_L"], pk["v2_L"], pk["v3_L"]])
        cl, q2, q3 = pk["clearance_L_per_h"], pk["q_L_per_h"], pk["q3_L_per_h"]
        self.Kpk = np.array([[-(cl + q2 + q3) / self.V[0], q2 / self.V[1], q3 / self.V[2]],
                             [q2 / self.V[0], -q2 / self.V[1], 0.0],
                             [q3 / self.V[0], 0.0, -q3 / self.V[2]]])
        self.jacobians = {attached: self.jacobian(attached) for attached in (True, False)}

    def jacobian(self, attached):
        """Constant Jacobian (the model is linear): skin (tridiagonal), uptake into A1, PK block, absorbed counter."""
        n = self.n
        G = self.G.copy()
        if not attached:
            G[self.n_patch - 1] = 0.0  # the patch is gone: no flux across the skin surface
        J = sp.lil_matrix((n + 4, n + 4))
        for i in range(n - 1):
            # d c_i/dt = (G_i (u_{i+1} - u_i)) / dx_i, u = c / K
            J[i, i] -= G[i] / (self.K[i] * self.dx[i]); J[i, i + 1] += G[i] / (self.K[i + 1] * self.dx[i])
            J[i + 1, i + 1] -= G[i] / (self.K[i + 1] * self.dx[i + 1]); J[i + 1, i] += G[i] / (self.K[i] * self.dx[i + 1])
        for i in range(n):
            if self.k[i] > 0:
                J[i, i] -= self.k[i]
                J[n, i] += self.area * self.k[i] * self.dx[i]       # into A1 (mg/h)
                J[n + 3, i] += self.area * self.k[i] * self.dx[i]   # absorbed counter
        J[n:n + 3, n:n + 3] = self.Kpk
        return J.tocsr()

    def solve(self, rtol, remove_h, end_h):
        sols = []
        y = self.y0.copy()
        for (t0, t1), attached in (((0.0, remove_h), True), ((remove_h, end_h), False)):
            J = self.jacobians[attached]
            y0 = y.copy()
            if not attached:
                y0[: self.n_patch] = 0.0  # the patch and its drug are removed
            s = solve_ivp(lambda t, y: J @ y, (t0, t1), y0, method="BDF", jac=J, rtol=rtol, atol=rtol * 1e-6,
                          dense_output=True)
            if not s.success:
                raise RuntimeError(s.message)
            sols.append(s)
            y = s.y[:, -1]
        return sols, y

    def outputs(self, rtol, remove_h, end_h):
        sols, y_end = self.solve(rtol, remove_h, end_h)
        n = self.n
        def plasma(t):
            s = sols[0] if t <= remove_h else sols[1]
            return s.sol(t)[n] / self.V[0] * 1e3  # mg/L = ug/mL -> ng/mL
        grid = np.linspace(0, end_h, 1201)
        values = [plasma(t) for t in grid]
        i = int(np.argmax(values))
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
        best = minimize_scalar(lambda t: -plasma(t), bounds=(lo, hi), method="bounded", options={"xatol": 1e-8})
        return -best.fun, y_end[n + 3] * 1e3  # Cmax ng/mL, absorbed ug


def main():
    resolved, reference = sys.argv[1], sys.argv[2]
    quick = "--quick" in sys.argv
    m = read_resolved(resolved)
    ref = json.load(open(reference))
    cmax_ref, absorbed_ref = ref["cmax_ng_per_mL"], ref["cumulative_absorbed_ug"]
    repeats = 1 if quick else 3
    print("cells/layer unknowns    rtol      time_ms   err_Cmax  err_absorbed")
    found = {}
    cells = [8, 12, 16] if quick else [8, 12, 16, 24, 64, 128, 192, 256]
    rtols = [1e-3, 1e-4] if quick else [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]
    for n in cells:
        model = LayeredSkinMol(m, n)
        for rtol in rtols:
            best = float("inf")
            for _ in range(repeats):
                start = time.perf_counter()
                cmax, absorbed = model.outputs(rtol, m["remove_h"], m["end_h"])
                best = min(best, time.perf_counter() - start)
            err = max(abs(cmax / cmax_ref - 1), abs(absorbed / absorbed_ref - 1))
            print(f"{n:11d} {model.n + 4:8d} {rtol:7.0e} {1e3 * best:12.1f} {abs(cmax / cmax_ref - 1):10.2e} "
                  f"{abs(absorbed / absorbed_ref - 1):12.2e}")
            for target in (1e-3, 1e-6):
                if err <= target and (target not in found or best < found[target][0]):
                    found[target] = (best, n, rtol, err)
    for target in (1e-3, 1e-6):
        if target in found:
            t, n, rtol, err = found[target]
            print(f"fastest at {target:.0e}: {1e3 * t:.1f} ms ({n} cells/layer, rtol {rtol:.0e}, error {err:.1e})")
        else:
            print(f"fastest at {target:.0e}: not reached in the tried range")
    json.dump({str(k): {"time_s": v[0], "cells_per_layer": v[1], "rtol": v[2], "error": v[3]}
               for k, v in found.items()}, open("scipy_mol_result.json", "w"), indent=1)


if __name__ == "__main__":
    main()
