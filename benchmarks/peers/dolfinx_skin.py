#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Peer benchmark: the default DermaTwin study's skin diffusion solved with FEniCSx (dolfinx 0.5, Debian bookworm).

Physics (the same as DermaTwin, docs/physics.md, and as scipy_mol.py, whose read_resolved() supplies the numbers from
DermaTwin's study.resolved.yaml): a drug-in-adhesive patch (finite load, depleting) on stratum corneum, viable
epidermis and dermis. Unknown u = c/K (continuous across layer interfaces, so the partition jumps are exact):

    (K du/dt, v) + (K D grad u, grad v) + (k K u, v) = 0      for all v,

with layer-wise partition coefficient K (patch: 1), diffusivity D (cm2/h) and first-order blood uptake k (1/h, dermis
only); no flux on every outer boundary. Initial state: the K-weighted L2 projection of c0 = load/(area L_patch) in the
patch, 0 in the skin (so the initial amount is exactly the load). At remove_h the patch layer is dropped from the
forms and its own nodes are frozen at 0 (identity rows); the interface nodes belong to the skin, whose surface then has
no flux (as DermaTwin). Time: Crank-Nicolson with uniform steps; the first step after t = 0 and after the removal is
replaced by four implicit-Euler quarter steps (Rannacher start-up, damps the initial jump). Amounts use the same
theta-weighting, so the discrete balance patch + skin + absorbed = load holds to solver tolerance.

Geometry modes (lengths in cm, time in h, amounts in ug):
  1d    the layered column (per cm2, times the patch area).
  axi   2D axisymmetric (x[0] = r, x[1] = z, every integral weighted by 2 pi r): a round patch of radius
        R = sqrt(area/pi) on a skin disc of radius 2R. The patch cells exist only for r < R (the mesh has no cells
        there, so r = R is a mesh line and the patch edge is exact).
  3d    a rectangular block with two round patches whose edges are GAP_CM apart (centres at x = +-(GAP/2 + R), y = 0),
        R of margin beyond each patch edge: x in [-(GAP/2 + 3R), GAP/2 + 3R], y in [-2R, 2R]. Hexahedra on a uniform
        lateral grid; the patch cells are the grid columns whose centre lies inside a disc (staircase edge); each
        patch's concentration is load/(meshed area x L_patch), so each holds exactly the product's load.
Depth mesh (all modes): z = 0 is the skin surface, patch z in [0, L_patch], skin z in [-L_skin, 0]; N cells in the
patch, N in each epidermal layer, 3N in the dermis with power grading z ~ s^2 towards the epidermis. Interfaces are
cell faces. axi: 2D radial cells NR = 4N over [0, R] graded towards r = R (r = R (1 - (1 - s)^1.5)) and NR/2 over
[R, 2R] graded the same way from R. 3d: lateral cell size H_CM (default 0.4/N).

Linear solver: PETSc CG + hypre BoomerAMG (rtol 1e-10) for axi/3d, LU for 1d (--solver to change).

Usage:
  dolfinx_skin.py RESOLVED_YAML --mode 1d|axi|3d [--n N] [--dt H] [--degree P] [--h-cm H] [--gap-cm G]
                  [--reference TIMESERIES_CSV] [--converge] [--grid] [--json FILE]
Prints one JSON object per run (dofs, steps, setup_s, solve_s, absorbed_ug at 24/72/120 h, flux, peak RSS);
--converge doubles N and halves dt until absorbed(72 h) changes < 1e-3 (1d: < 1e-6); --grid (1d) tries N x dt and
reports the cheapest configuration within 1e-3 and 1e-6 of the reference, like scipy_mol.py.
"""
import argparse
import json
import math
import os
import resource
import sys
import time

import numpy as np
import logging

import ufl
from mpi4py import MPI
from petsc4py import PETSc

import dolfinx
import dolfinx.fem.petsc
from dolfinx import fem, mesh as dmesh

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scipy_mol import read_resolved  # noqa: E402  (same parameter reader as the SciPy peer)

OUTPUT_TIMES_H = (24.0, 72.0, 120.0)
COMM = MPI.COMM_WORLD
logging.getLogger().setLevel(logging.WARNING)  # FFCx's JIT compiler log


# ---------------------------------------------------------------- the case
def layer_table(m):
    """[(name, thickness_cm, D_cm2_per_h, K, k_per_h)], the patch first, from read_resolved()."""
    p = m["patch"]
    table = [("patch", p["thickness_um"] * 1e-4, p["diffusivity_cm2_per_s"] * 3600.0, 1.0, 0.0)]
    names = ["stratum_corneum", "viable_epidermis", "dermis"]
    for i, l in enumerate(m["layers"]):
        table.append((names[i] if i < len(names) else f"layer{i}", l["thickness_um"] * 1e-4,
                      l["diffusivity_cm2_per_s"] * 3600.0, l["partition_coefficient"], l["blood_uptake_rate_per_h"]))
    return table


def depth_nodes(table, n):
    """Node heights z (skin surface at 0, patch above) and the layer bands [(z_lo, z_hi)] in table order."""
    patch_l = table[0][1]
    bands, z = [(0.0, patch_l)], [patch_l - patch_l * i / n for i in range(n + 1)]  # top of patch downwards
    top = 0.0
    for j, (_, thick, *_rest) in enumerate(table[1:]):
        last = j == len(table) - 2
        cells = 3 * n if last else n
        s = np.linspace(0.0, 1.0, cells + 1)[1:]
        depth = s ** 2 if last else s  # the deepest layer (dermis) graded towards the epidermis
        z += list(top - thick * depth)
        bands.append((top - thick, top))
        top -= thick
    return np.array(sorted(z)), bands


def graded(a, b, cells, power=1.5):
    """cells intervals on [a, b], small near b (power grading)."""
    s = np.linspace(0.0, 1.0, cells + 1)
    return a + (b - a) * (1.0 - (1.0 - s) ** power)


# ---------------------------------------------------------------- meshes (built on rank 0, distributed by dolfinx)
def build_mesh(cell_name, cells, x):
    gdim = x.shape[1]
    domain = ufl.Mesh(ufl.VectorElement("Lagrange", cell_name, 1))
    if COMM.rank != 0:
        cells, x = np.empty((0, cells.shape[1]), np.int64), np.empty((0, gdim))
    used = np.unique(cells)  # drop the grid nodes that no cell uses (above the skin outside a patch)
    renumber = np.full(x.shape[0], -1, np.int64)
    renumber[used] = np.arange(used.size)
    return dmesh.create_mesh(COMM, renumber[cells].astype(np.int64), np.ascontiguousarray(x[used]), domain)


def mesh_1d(table, n):
    z, bands = depth_nodes(table, n)
    cells = np.stack([np.arange(z.size - 1), np.arange(1, z.size)], axis=1)
    return build_mesh("interval", cells, z[:, None]), bands, 1.0


def grid_cells_2d(nx, ny):
    """Quadrilaterals on an nx x ny cell grid, dolfinx (tensor-product) vertex order, row-major node numbering."""
    i, j = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    v0 = j * (nx + 1) + i
    return np.stack([v0, v0 + 1, v0 + nx + 1, v0 + nx + 2], axis=-1)  # shape (nx, ny, 4)


def mesh_axi(table, n, radius_cm, power):
    z, bands = depth_nodes(table, n)
    nr = 4 * n
    r = np.concatenate([graded(0.0, radius_cm, nr, power),
                        radius_cm + (radius_cm - graded(0.0, radius_cm, nr // 2, power)[::-1])[1:]])
    cells = grid_cells_2d(r.size - 1, z.size - 1)
    r_mid = 0.5 * (r[:-1] + r[1:])[:, None]
    z_mid = 0.5 * (z[:-1] + z[1:])[None, :]
    keep = (z_mid < 0.0) | (r_mid < radius_cm)  # patch cells only over the patch
    R, Z = np.meshgrid(r, z, indexing="xy")
    x = np.stack([R.ravel(), Z.ravel()], axis=1)
    return build_mesh("quadrilateral", cells[keep], x), bands


def mesh_3d(table, n, radius_cm, gap_cm, h_cm):
    z, bands = depth_nodes(table, n)
    half_x, half_y = gap_cm / 2 + 3 * radius_cm, 2 * radius_cm
    xs = np.linspace(-half_x, half_x, int(math.ceil(2 * half_x / h_cm)) + 1)
    ys = np.linspace(-half_y, half_y, int(math.ceil(2 * half_y / h_cm)) + 1)
    nx, ny, nz = xs.size - 1, ys.size - 1, z.size - 1
    i, j, k = np.meshgrid(np.arange(nx), np.arange(ny), np.arange(nz), indexing="ij")
    node = lambda a, b, c: (c * (ny + 1) + b) * (nx + 1) + a  # noqa: E731
    cells = np.stack([node(i, j, k), node(i + 1, j, k), node(i, j + 1, k), node(i + 1, j + 1, k),
                      node(i, j, k + 1), node(i + 1, j, k + 1), node(i, j + 1, k + 1), node(i + 1, j + 1, k + 1)],
                     axis=-1)
    xm, ym, zm = 0.5 * (xs[:-1] + xs[1:]), 0.5 * (ys[:-1] + ys[1:]), 0.5 * (z[:-1] + z[1:])
    centre_x = gap_cm / 2 + radius_cm
    in_patch = lambda cx: (xm[:, None] - cx) ** 2 + ym[None, :] ** 2 < radius_cm ** 2  # noqa: E731
    column = in_patch(centre_x) | in_patch(-centre_x)
    keep = (zm[None, None, :] < 0.0) | column[:, :, None]
    patch_area = column.sum() / 2 * (xs[1] - xs[0]) * (ys[1] - ys[0])  # per patch (the two are mirror images)
    X, Y, Z = np.meshgrid(xs, ys, z, indexing="ij")
    x = np.stack([X.transpose(2, 1, 0).ravel(), Y.transpose(2, 1, 0).ravel(), Z.transpose(2, 1, 0).ravel()], axis=1)
    return build_mesh("hexahedron", cells[keep], x), bands, patch_area


# ---------------------------------------------------------------- the solver
class SkinSolver:
    def __init__(self, m, mode, n, degree, solver, rtol=1e-10, gap_cm=3.0, h_cm=None, radial_power=3.0):
        t0 = time.perf_counter()
        self.m, self.table = m, layer_table(m)
        area = m["patch"]["area_cm2"]
        radius = math.sqrt(area / math.pi)
        self.patches = 1
        if mode == "1d":
            self.mesh, bands, _ = mesh_1d(self.table, n)
            weight, scale, patch_area = 1.0, area, 1.0  # per cm2 in the column, times the area
        elif mode == "axi":
            self.mesh, bands = mesh_axi(self.table, n, radius, radial_power)
            x = ufl.SpatialCoordinate(self.mesh)
            weight, scale, patch_area = 2 * math.pi * x[0], 1.0, area
        else:
            self.mesh, bands, patch_area = mesh_3d(self.table, n, radius, gap_cm, h_cm or 0.4 / n)
            weight, scale, self.patches = 1.0, 1.0, 2
        self.patch_area_cm2 = patch_area if mode != "1d" else area
        zdim = self.mesh.geometry.dim - 1
        tdim = self.mesh.topology.dim
        # Cell tags: one per layer (interfaces are cell faces, so every vertex of a cell lies in its band).
        tol = 1e-12
        ids, tags = [], []
        for tag, (lo, hi) in enumerate(bands):
            cells = dmesh.locate_entities(self.mesh, tdim,
                                          lambda x, lo=lo, hi=hi: (x[zdim] >= lo - tol) & (x[zdim] <= hi + tol))
            ids.append(cells); tags.append(np.full(cells.size, tag, np.int32))
        order = np.argsort(np.concatenate(ids))
        self.cell_tags = dmesh.meshtags(self.mesh, tdim, np.concatenate(ids)[order], np.concatenate(tags)[order])
        dx = ufl.Measure("dx", domain=self.mesh, subdomain_data=self.cell_tags)
        self.V = fem.FunctionSpace(self.mesh, ("Lagrange", degree))
        u, v = ufl.TrialFunction(self.V), ufl.TestFunction(self.V)
        c0 = m["patch"]["drug_load_mg"] / (patch_area * self.table[0][1]) if mode != "1d" else \
            m["patch"]["drug_load_mg"] / (area * self.table[0][1])
        self.load_ug = m["patch"]["drug_load_mg"] * 1e3 * self.patches
        self.scale = scale * 1e3  # mg -> ug (1d: per cm2 -> whole patch)

        def forms(layers):
            mass = sum(fem.Constant(self.mesh, PETSc.ScalarType(self.table[l][3])) * u * v * weight * dx(l)
                       for l in layers)
            stiff = sum(fem.Constant(self.mesh, PETSc.ScalarType(self.table[l][3] * self.table[l][2]))
                        * ufl.inner(ufl.grad(u), ufl.grad(v)) * weight * dx(l) for l in layers)
            stiff = stiff + sum(fem.Constant(self.mesh, PETSc.ScalarType(self.table[l][3] * self.table[l][4]))
                                * u * v * weight * dx(l) for l in layers if self.table[l][4] > 0)
            if 0 not in layers:  # keep the patch entries in the sparsity (frozen rows need their diagonal)
                zero = fem.Constant(self.mesh, PETSc.ScalarType(0.0)) * u * v * weight * dx(0)
                mass, stiff = mass + zero, stiff + zero
            return fem.form(mass), fem.form(stiff)

        all_layers, skin_layers = list(range(len(self.table))), list(range(1, len(self.table)))
        frozen = fem.locate_dofs_geometrical(self.V, lambda x: x[zdim] > 1e-12)  # patch-only nodes
        self.frozen = frozen
        bc = fem.dirichletbc(PETSc.ScalarType(0.0), frozen, self.V)
        mass_on, stiff_on = forms(all_layers)
        mass_off, stiff_off = forms(skin_layers)
        self.M = {True: self._matrix(mass_on), False: self._matrix(mass_off, [bc], 1.0)}
        self.S = {True: self._matrix(stiff_on), False: self._matrix(stiff_off, [bc], 0.0)}

        def vector(expr):
            vec = dolfinx.fem.petsc.assemble_vector(fem.form(expr))
            vec.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
            return vec
        uptake = [l for l in all_layers if self.table[l][4] > 0]
        self.w_uptake = vector(sum(fem.Constant(self.mesh, PETSc.ScalarType(self.table[l][3] * self.table[l][4]))
                                   * v * weight * dx(l) for l in uptake))
        self.w_patch = vector(v * weight * dx(0))  # K = 1 in the patch
        self.w_skin = vector(sum(fem.Constant(self.mesh, PETSc.ScalarType(self.table[l][3])) * v * weight * dx(l)
                                 for l in skin_layers))
        # Initial state: M u0 = (c0 chi_patch, v), solved with the same Krylov settings.
        self.u = fem.Function(self.V)
        rhs = self.w_patch.copy(); rhs.scale(c0)
        self.solver, self.rtol = solver, rtol
        ksp = self._ksp(self.M[True])
        ksp.solve(rhs, self.u.vector)
        self.u.x.scatter_forward()
        self.ksps = {}
        self.setup_s = time.perf_counter() - t0
        self.dofs = self.V.dofmap.index_map.size_global * self.V.dofmap.index_map_bs

    def _matrix(self, form, bcs=(), diagonal=1.0):
        A = dolfinx.fem.petsc.assemble_matrix(form, bcs=list(bcs), diagonal=diagonal)
        A.assemble()
        return A

    def _ksp(self, A):
        ksp = PETSc.KSP().create(COMM)
        ksp.setOperators(A)
        if self.solver == "lu":
            ksp.setType("preonly"); ksp.getPC().setType("lu")
        else:
            ksp.setType("cg"); ksp.setTolerances(rtol=self.rtol, atol=1e-30, max_it=1000)
            ksp.setInitialGuessNonzero(True)
            pc = ksp.getPC()
            if self.solver == "cg-amg":
                pc.setType("hypre"); pc.setHYPREType("boomeramg")
            elif self.solver == "cg-gamg":
                pc.setType("gamg")
            else:
                pc.setType("jacobi")
        if not PETSc.Options().hasName("pc_hypre_boomeramg_strong_threshold"):
            PETSc.Options().setValue("pc_hypre_boomeramg_strong_threshold", 0.7)  # thin, flat cells: anisotropic
        ksp.setFromOptions()
        ksp.setUp()
        return ksp

    def _system(self, attached, dt, theta):
        """(KSP for M + theta dt S, B = M - (1 - theta) dt S), cached per (phase, step, theta)."""
        key = (attached, dt, theta)
        if key not in self.ksps:
            A = self.M[attached].copy(); A.axpy(theta * dt, self.S[attached])
            B = self.M[attached].copy(); B.axpy(-(1 - theta) * dt, self.S[attached])
            self.ksps[key] = (self._ksp(A), B, A)
        return self.ksps[key][:2]

    def amounts(self):
        """(patch, skin, uptake rate) in ug and ug/h: one reduction for the three dot products."""
        if not hasattr(self, "W"):
            self.W = np.stack([w.array.copy() for w in (self.w_patch, self.w_skin, self.w_uptake)])  # owned entries
        total = self.W @ self.u.vector.array
        if COMM.size > 1:
            COMM.Allreduce(MPI.IN_PLACE, total, op=MPI.SUM)
        return tuple(total * self.scale)

    def run(self, dt, remove_h, end_h):
        """Time loop; returns a dict of results (amounts in ug, flux in ug/cm2/h)."""
        t0, cpu0 = time.perf_counter(), time.process_time()
        events = sorted(set([remove_h, end_h] + [t for t in OUTPUT_TIMES_H if t <= end_h]))
        t, absorbed, steps, its = 0.0, 0.0, 0, 0
        attached = True
        patch, _, rate = self.amounts()
        out = {}
        b = self.u.vector.duplicate()
        start_up = True  # Rannacher: first step of a phase = 4 implicit-Euler quarter steps
        for stop in events:
            while t < stop - 1e-9:
                h = min(dt, stop - t)
                substeps = [(h / 4, 1.0)] * 4 if start_up else [(h, 0.5)]
                for hs, theta in substeps:
                    ksp, B = self._system(attached, hs, theta)
                    B.mult(self.u.vector, b)
                    ksp.solve(b, self.u.vector)
                    its += ksp.getIterationNumber()
                    if ksp.getConvergedReason() < 0:
                        raise RuntimeError(f"KSP diverged: {ksp.getConvergedReason()}")
                    patch_new, _, rate_new = self.amounts()
                    absorbed += hs * (theta * rate_new + (1 - theta) * rate)
                    flux = -(patch_new - patch) / hs / (self.patch_area_cm2 * self.patches) if attached else 0.0
                    patch, rate = patch_new, rate_new
                    steps += 1
                t += h
                start_up = False
            if any(abs(stop - o) < 1e-9 for o in OUTPUT_TIMES_H):
                out[f"{stop:g}"] = {"absorbed_ug": absorbed, "flux_into_skin_ug_per_cm2_per_h": flux,
                                    "absorption_rate_ug_per_h": rate}
            if attached and abs(stop - remove_h) < 1e-9:
                attached, start_up = False, True
                removed = patch
                self.u.x.array[self.frozen] = 0.0
                self.u.x.scatter_forward()
                patch, _, rate = self.amounts()
        solve_s = time.perf_counter() - t0
        solve_cpu_s = COMM.allreduce(time.process_time() - cpu0, op=MPI.MAX)
        skin = self.amounts()[1]
        balance = (removed if remove_h < end_h else patch) + skin + absorbed
        return {"steps": steps, "krylov_iterations": its, "solve_s": solve_s, "solve_cpu_s_max_rank": solve_cpu_s,
                "outputs": out,
                "mass_balance_relative_error": abs(balance / self.load_ug - 1)}


def peak_rss_mb():
    local = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return COMM.allreduce(local, op=MPI.SUM), COMM.allreduce(local, op=MPI.MAX)


def reference_absorbed(path):
    """absorbed at the output times from a DermaTwin timeseries.csv."""
    import csv
    ref = {}
    for row in csv.DictReader(open(path)):
        t = float(row["time_h"])
        if t in OUTPUT_TIMES_H:
            ref[f"{t:g}"] = float(row["cumulative_absorbed_ug"])
    return ref


def one_run(m, args, n, dt):
    solver = SkinSolver(m, args.mode, n, args.degree, args.solver, args.rtol, gap_cm=args.gap_cm, h_cm=args.h_cm,
                        radial_power=args.radial_power)
    res = solver.run(dt, m["remove_h"], m["end_h"])
    total_mb, max_mb = peak_rss_mb()
    row = {"mode": args.mode, "ranks": COMM.size, "n": n, "degree": args.degree, "dt_h": dt, "solver": args.solver,
           "dofs": solver.dofs, "cells": solver.mesh.topology.index_map(solver.mesh.topology.dim).size_global,
           "patch_area_cm2": solver.patch_area_cm2, "setup_s": solver.setup_s,
           "peak_rss_mb_total": total_mb, "peak_rss_mb_max_rank": max_mb, **res}
    if args.mode == "3d":
        row["h_cm"] = args.h_cm or 0.4 / n
    if args.ref and args.mode == "1d":
        row["error_vs_reference"] = {k: abs(v["absorbed_ug"] / args.ref[k] / (2 if args.mode == "3d" else 1) - 1)
                                     for k, v in res["outputs"].items() if k in args.ref}
        row["max_error"] = max(row["error_vs_reference"].values())
    elif args.ref:  # the 1d column's value: the difference is the lateral (edge) effect, not an error
        row["ratio_to_1d_reference"] = {k: v["absorbed_ug"] / args.ref[k] / solver.patches
                                        for k, v in res["outputs"].items() if k in args.ref}
    return row


def emit(row, sink):
    if COMM.rank == 0:
        print(json.dumps(row), flush=True)
        if sink:
            sink.write(json.dumps(row) + "\n"); sink.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("resolved")
    ap.add_argument("--mode", choices=["1d", "axi", "3d"], default="1d")
    ap.add_argument("--n", type=int, default=2, help="refinement: cells per thin layer (dermis 3n)")
    ap.add_argument("--dt", type=float, default=0.5, help="time step, h")
    ap.add_argument("--degree", type=int, default=1)
    ap.add_argument("--solver", choices=["lu", "cg-amg", "cg-gamg", "cg-jacobi"], default=None)
    ap.add_argument("--rtol", type=float, default=1e-10, help="CG relative tolerance")
    ap.add_argument("--radial-power", type=float, default=3.0, help="axi: radial grading towards r = R")
    ap.add_argument("--h-cm", type=float, default=None, help="3d lateral cell size (default 0.4/n)")
    ap.add_argument("--gap-cm", type=float, default=3.0, help="3d: edge-to-edge distance of the two patches")
    ap.add_argument("--reference", help="DermaTwin timeseries.csv of a converged run (errors of absorbed)")
    ap.add_argument("--converge", action="store_true", help="double n and halve dt until absorbed(72 h) settles")
    ap.add_argument("--tolerances", default=None, help="comma list for --converge (default 1e-3 and, 1d, 1e-6)")
    ap.add_argument("--max-levels", type=int, default=8)
    ap.add_argument("--dt-factor", type=float, default=2.0, help="--converge: dt is divided by this per level")
    ap.add_argument("--grid", help="1d: 'n1,n2,..:dt1,dt2,..' cheapest configuration within 1e-3 / 1e-6")
    ap.add_argument("--repeats", type=int, default=1, help="best-of repeats of the time loop (1d)")
    ap.add_argument("--json", help="append each result line to this file")
    args, petsc_args = ap.parse_known_args()
    for i, a in enumerate(petsc_args):  # anything else is a PETSc option: -key [value]
        if a.startswith("-") and not a.lstrip("-").replace(".", "").replace("e", "").isdigit():
            value = petsc_args[i + 1] if i + 1 < len(petsc_args) and not petsc_args[i + 1].startswith("-") else None
            PETSc.Options().setValue(a.lstrip("-"), value)
    args.solver = args.solver or ("lu" if args.mode == "1d" else "cg-amg")
    args.ref = reference_absorbed(args.reference) if args.reference else None
    m = read_resolved(args.resolved)
    sink = open(args.json, "a") if (args.json and COMM.rank == 0) else None

    if args.grid:
        ns, dts = (list(map(float, s.split(","))) for s in args.grid.split(":"))
        best = {}
        for n in map(int, ns):
            for dt in dts:
                rows = [one_run(m, args, n, dt) for _ in range(args.repeats)]
                row = min(rows, key=lambda r: r["solve_s"])
                emit(row, sink)
                for target in (1e-3, 1e-6):
                    if args.ref and row["max_error"] <= target and \
                            (target not in best or row["solve_s"] < best[target]["solve_s"]):
                        best[target] = row
        for target, row in best.items():
            emit({"fastest_within": target, **row}, sink)
        return
    if not args.converge:
        emit(one_run(m, args, args.n, args.dt), sink)
        return
    tolerances = [float(t) for t in args.tolerances.split(",")] if args.tolerances else \
        ([1e-3, 1e-6] if args.mode == "1d" else [1e-3])
    previous, n, dt, reached = None, args.n, args.dt, {}
    for level in range(args.max_levels):
        row = one_run(m, args, n, dt)
        a72 = row["outputs"]["72"]["absorbed_ug"]
        row["level"] = level
        row["change_72h"] = abs(a72 / previous - 1) if previous else None
        emit(row, sink)
        for tol in tolerances:
            if tol not in reached and row["change_72h"] is not None and row["change_72h"] < tol:
                reached[tol] = row
                emit({"converged_to": tol, "level": level, "dofs": row["dofs"], "steps": row["steps"],
                      "solve_s": row["solve_s"], "setup_s": row["setup_s"], "absorbed_72h_ug": a72,
                      "max_error": row.get("max_error")}, sink)
        if len(reached) == len(tolerances):
            break
        previous, n, dt = a72, 2 * n, dt / args.dt_factor


if __name__ == "__main__":
    main()
