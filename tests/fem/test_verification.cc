// Verification of the 1D layered-skin solver against analytic solutions:
// Crank's membrane series, series resistance of laminates, the cosh profile
// of a layer with first-order uptake, and observed convergence orders.
#include <dermatwin/fem/extrapolated_euler.h>
#include <dermatwin/fem/skin_column.h>
#include <dermatwin/fem/transdermal_body.h>

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

using namespace dermatwin::fem;

namespace
{
  Layer make_layer(const std::string &name, const double L_cm, const double D_cm2_per_h,
                   const double K, const double k_per_h = 0)
  {
    Layer layer;
    layer.name = name, layer.thickness_cm = L_cm, layer.diffusivity_cm2_per_h = D_cm2_per_h;
    layer.partition_coefficient = K, layer.blood_uptake_rate_per_h = k_per_h;
    return layer;
  }

  /// Infinite donor on top, sink below (Franz cell).
  ColumnSetup franz(const std::vector<Layer> &layers, const double donor_mg_per_cm3,
                    const unsigned int cells, const unsigned int degree)
  {
    ColumnSetup s;
    s.layers                           = LayerStack(layers);
    s.initial_concentration_mg_per_cm3 = std::vector<double>(layers.size(), 0.);
    s.fixed_top_concentration          = true;
    s.donor_concentration_mg_per_cm3   = donor_mg_per_cm3;
    s.sink_bottom                      = true;
    s.fe_degree                        = degree;
    s.mesh.cells_per_layer             = cells;
    return s;
  }

  /// Integrates one column (no PK) and samples the permeated amount.
  struct ColumnRun
  {
    TransdermalBody     body{std::nullopt};
    std::vector<double> y;
    ExtrapolatedEuler   integrator;
    double              t = 0;

    ColumnRun(const ColumnSetup &setup, const IntegratorOptions &options)
      : integrator(options)
    {
      body.add_column(std::make_unique<SkinColumn>(setup), 1.0);
      y = body.zero_state();
      body.activate(0, y);
    }
    void   advance(const double t_end) { integrator.advance(body, t, t_end, y); }
    double scalar(const SkinColumn::Scalar s) const
    {
      return y[body.column(0).n_dofs() + s];
    }
    SkinColumn::Rates rates() const { return body.column(0).rates(y.data()); }
  };

  /// Crank (1975), eq. 4.24a: amount through a membrane with c(0) = K C,
  /// c(L) = 0, initially empty.
  double crank_permeated(const double D, const double L, const double KC, const double t)
  {
    double sum = 0;
    for (int n = 1; n < 200; ++n)
      sum += std::pow(-1., n) / (n * n) * std::exp(-D * n * n * M_PI * M_PI * t / (L * L));
    return L * KC * (D * t / (L * L) - 1. / 6. - 2. / (M_PI * M_PI) * sum);
  }
} // namespace

TEST(Verification, CrankMembraneCumulativeFluxAndLag)
{
  const double L = 20e-4, D = 1e-9 * 3600, K = 5, C = 1;
  const double lag = L * L / (6 * D);
  IntegratorOptions options;
  options.relative_tolerance = 1e-7;
  ColumnRun run(franz({make_layer("membrane", L, D, K)}, C, 16, 2), options);

  double worst = 0;
  for (double t = lag; t <= 20 * lag; t += lag)
    {
      run.advance(t);
      const double exact = crank_permeated(D, L, K * C, t);
      worst = std::max(worst, std::abs(run.scalar(SkinColumn::permeated) / exact - 1));
    }
  std::cout << "[ crank ] max relative error of Q(t) for t >= lag: " << worst << "\n";
  EXPECT_LT(worst, 5e-3);

  const double flux_exact = D * K * C / L;
  EXPECT_NEAR(run.rates().out / flux_exact, 1., 1e-3);
  EXPECT_NEAR(run.rates().into_skin / flux_exact, 1., 1e-3);
  // Lag time: intercept of the asymptote Q = J (t - lag), from two late points.
  const double t1 = run.t, q1 = run.scalar(SkinColumn::permeated);
  run.advance(t1 + lag);
  const double q2 = run.scalar(SkinColumn::permeated);
  const double J = (q2 - q1) / lag, lag_numeric = t1 - q1 / J;
  std::cout << "[ crank ] steady flux error " << J / flux_exact - 1 << ", lag error "
            << lag_numeric / lag - 1 << "\n";
  EXPECT_NEAR(J / flux_exact, 1., 1e-3);
  EXPECT_NEAR(lag_numeric / lag, 1., 1e-2);
}

TEST(Verification, LaminateSteadyFluxSeriesResistance)
{
  // Partition and diffusivity contrasts of 1000x between neighbours.
  const std::vector<std::vector<Layer>> stacks = {
    {make_layer("a", 10e-4, 3.6e-7, 10), make_layer("b", 100e-4, 3.6e-4, 0.01)},
    {make_layer("a", 10e-4, 3.6e-7, 10), make_layer("b", 100e-4, 3.6e-4, 0.01),
     make_layer("c", 50e-4, 3.6e-7, 10)}};
  for (const auto &layers : stacks)
    {
      double resistance = 0, slowest = 0;
      for (const Layer &l : layers)
        {
          resistance += l.thickness_cm / (l.partition_coefficient * l.diffusivity_cm2_per_h);
          slowest = std::max(slowest, l.thickness_cm * l.thickness_cm / l.diffusivity_cm2_per_h);
        }
      const double C = 2., flux_exact = C / resistance;
      IntegratorOptions options;
      options.relative_tolerance = 1e-8;
      ColumnRun run(franz(layers, C, 4, 2), options);
      run.advance(200 * slowest + 1e4 * resistance * 0); // far into the steady state
      const double rel_out = run.rates().out / flux_exact - 1;
      std::cout << "[ laminate ] " << layers.size() << " layers: flux error " << rel_out << "\n";
      EXPECT_LT(std::abs(rel_out), 1e-3);
      EXPECT_LT(std::abs(run.rates().into_skin / flux_exact - 1), 1e-3);
    }
}

namespace
{
  /// Steady state of a layer with uptake under a fixed surface concentration
  /// (one huge implicit-Euler step), and its L2 error against
  /// c = K C cosh((L - x)/lambda) / cosh(L/lambda), lambda = sqrt(D/k).
  double cosh_l2_error(const unsigned int cells, const unsigned int degree, double *flux_error)
  {
    const double L = 0.1, D = 1e-3, k = 0.4, K = 2, C = 1;
    const double lambda = std::sqrt(D / k);
    ColumnSetup  s;
    s.layers                           = LayerStack({make_layer("dermis", L, D, K, k)});
    s.initial_concentration_mg_per_cm3 = {0.};
    s.fixed_top_concentration          = true;
    s.donor_concentration_mg_per_cm3   = C;
    s.fe_degree                        = degree;
    s.mesh.cells_per_layer             = cells;
    s.mesh.grading_exponent            = 1.;
    SkinColumn          column(s);
    std::vector<double> y = column.initial_state(), y_ss(y.size());
    column.implicit_euler_step(1e14, y.data(), y_ss.data());

    auto exact = [&](const double x) { return K * C * std::cosh((L - x) / lambda) / std::cosh(L / lambda); };
    // Gauss-Legendre, 5 points per cell.
    const double gp[5] = {-0.9061798459, -0.5384693101, 0, 0.5384693101, 0.9061798459};
    const double gw[5] = {0.2369268851, 0.4786286705, 0.5688888889, 0.4786286705, 0.2369268851};
    double       err2  = 0;
    const double h     = L / cells;
    for (unsigned int c = 0; c < cells; ++c)
      for (int q = 0; q < 5; ++q)
        {
          const double x = (c + 0.5) * h + 0.5 * h * gp[q];
          const double e = column.concentration_at(y_ss.data(), x) - exact(x);
          err2 += 0.5 * h * gw[q] * e * e;
        }
    if (flux_error)
      *flux_error = column.rates(y_ss.data()).into_skin /
                      (D * K * C * std::tanh(L / lambda) / lambda) - 1;
    return std::sqrt(err2);
  }
} // namespace

TEST(Verification, UptakeLayerCoshProfile)
{
  double flux_error = 0;
  const double l2 = cosh_l2_error(16, 2, &flux_error);
  std::cout << "[ cosh ] L2 error " << l2 << ", flux error " << flux_error << "\n";
  EXPECT_LT(l2, 1e-5);
  EXPECT_LT(std::abs(flux_error), 1e-4);
}

TEST(Verification, SpatialConvergenceOrders)
{
  for (const unsigned int degree : {1u, 2u})
    {
      const double e1 = cosh_l2_error(8, degree, nullptr), e2 = cosh_l2_error(16, degree, nullptr),
                   e3 = cosh_l2_error(32, degree, nullptr);
      const double order = std::log2(e2 / e3), order_coarse = std::log2(e1 / e2);
      std::cout << "[ space ] Q" << degree << ": L2 errors " << e1 << ", " << e2 << ", " << e3
                << " -> observed order " << order_coarse << ", " << order << "\n";
      EXPECT_NEAR(order, degree + 1., 0.15);
    }
}

TEST(Verification, TemporalConvergenceOrders)
{
  // Membrane with uptake, finite dose on top (no-flux), PK-free: error of
  // the absorbed amount at t = 2 h against a tight adaptive reference.
  const std::vector<Layer> layers = {make_layer("patch", 50e-4, 1.8e-5, 1),
                                     make_layer("sc", 15e-4, 1e-6, 5),
                                     make_layer("dermis", 0.1, 1e-3, 1, 0.5)};
  ColumnSetup s;
  s.layers = LayerStack(layers);
  s.layers[0].role = LayerRole::patch;
  s.initial_concentration_mg_per_cm3 = {10., 0., 0.};
  s.mesh.cells_per_layer = 4;

  IntegratorOptions reference_options;
  reference_options.relative_tolerance = 1e-11;
  ColumnRun reference(s, reference_options);
  reference.advance(2.);
  const double exact = reference.scalar(SkinColumn::absorbed);

  for (const unsigned int columns : {1u, 2u, 3u})
    {
      std::vector<double> errors;
      for (const double h : {0.1, 0.05, 0.025})
        {
          IntegratorOptions options;
          options.fixed_step    = true;
          options.fixed_step_h  = h;
          options.fixed_columns = columns;
          ColumnRun run(s, options);
          run.advance(2.);
          errors.push_back(std::abs(run.scalar(SkinColumn::absorbed) - exact));
        }
      const double order = std::log2(errors[1] / errors[2]);
      std::cout << "[ time ] " << columns << " column(s): errors " << errors[0] << ", " << errors[1]
                << ", " << errors[2] << " -> observed order " << order << "\n";
      EXPECT_NEAR(order, double(columns), 0.2);
    }
}

TEST(Verification, MassIsConservedWithDissolutionAndRemoval)
{
  // Patch loaded above solubility: dispersed drug dissolves until used up.
  ColumnSetup s;
  s.layers = LayerStack({make_layer("patch", 50e-4, 1.8e-5, 1), make_layer("sc", 12e-4, 7.6e-7, 1.0),
                         make_layer("dermis", 0.12, 1.4e-3, 0.01, 0.1)});
  s.layers[0].role                   = LayerRole::patch;
  s.initial_concentration_mg_per_cm3 = {20., 0., 0.};
  s.dispersed_mg_per_cm2             = 0.05;
  s.patch_solubility_mg_per_cm3      = 20.;
  s.dissolution_rate_per_h           = 5.;
  IntegratorOptions options;
  options.relative_tolerance = 1e-6;
  ColumnRun run(s, options);
  SkinColumn &column = run.body.column(0);
  const double load = 20. * 50e-4 + 0.05;
  auto total = [&] {
    return column.amount(run.y.data(), LayerRole::patch) + column.amount(run.y.data(), LayerRole::skin) +
           run.scalar(SkinColumn::dispersed) + run.scalar(SkinColumn::absorbed);
  };
  // Run until the dispersed drug is used up (event), then on to removal.
  bool depleted = false;
  while (run.t < 48 && !depleted)
    depleted = run.integrator.advance(run.body, run.t, 48., run.y, [&](const std::vector<double> &y) {
      return y[column.n_dofs() + SkinColumn::dispersed];
    });
  ASSERT_TRUE(depleted) << "dispersed drug should be used up within 48 h";
  // The event time is located to 1e-12 max(1, t + H) h; the drug dissolves
  // at up to 5/h x 20 mg/cm^3 x 50 um = 0.5 mg/(cm^2 h), so what is left is
  // below 0.5 mg/(cm^2 h) x 1e-12 x (t + H) < 1e-11 mg/cm^2 (2e-10 of the 0.05).
  EXPECT_NEAR(run.scalar(SkinColumn::dispersed), 0., 1e-11);
  column.stop_dissolution();
  run.integrator.restart();
  EXPECT_NEAR(total() / load, 1., 1e-10);
  run.advance(48.);
  const double in_patch = column.amount(run.y.data(), LayerRole::patch);
  column.detach_patch();
  run.integrator.restart();
  run.advance(96.);
  const double error = std::abs(in_patch + column.amount(run.y.data(), LayerRole::skin) +
                                run.scalar(SkinColumn::dispersed) + run.scalar(SkinColumn::absorbed) - load) / load;
  std::cout << "[ mass ] relative balance error after dissolution, removal: " << error << "\n";
  EXPECT_LT(error, 1e-10);
}
