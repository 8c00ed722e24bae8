// Verification of the exact modal solution in time (fem::ModalPropagator,
// fem::BodyIntegrator): divided differences of exp against closed forms, the
// Crank membrane series, and agreement with the extrapolated implicit Euler
// method at tight tolerance for a patch with dispersed drug, blood uptake,
// three-compartment PK and a removal; the drug balance closes to round-off
// (1e-10).
#include <dermatwin/fem/modal_integrator.h>

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

using namespace dermatwin::fem;

namespace
{
  Layer make_layer(const std::string &name, const LayerRole role, const double L_cm, const double D_cm2_per_h,
                   const double K, const double k_per_h = 0)
  {
    Layer layer;
    layer.name = name, layer.role = role, layer.thickness_cm = L_cm, layer.diffusivity_cm2_per_h = D_cm2_per_h;
    layer.partition_coefficient = K, layer.blood_uptake_rate_per_h = k_per_h;
    return layer;
  }

  /// Patch (dispersed drug dissolving) on stratum corneum, viable epidermis
  /// and dermis with blood uptake: fentanyl-like numbers in cm, h, mg.
  ColumnSetup patch_column(const double dispersed_mg_per_cm2)
  {
    ColumnSetup s;
    s.layers = LayerStack({make_layer("patch", LayerRole::patch, 50e-4, 1.8e-5, 1.),
                           make_layer("sc", LayerRole::skin, 12e-4, 6.7e-7, 0.1),
                           make_layer("ve", LayerRole::skin, 69e-4, 1.4e-3, 0.0112),
                           make_layer("dermis", LayerRole::skin, 1182e-4, 1.4e-3, 0.0112, 0.0672)});
    s.initial_concentration_mg_per_cm3 = {60., 0., 0., 0.};
    s.dispersed_mg_per_cm2             = dispersed_mg_per_cm2;
    s.patch_solubility_mg_per_cm3      = 80.;
    s.dissolution_rate_per_h           = 2.;
    s.mesh.cells_per_layer             = 2;
    return s;
  }

  dermatwin::pk::CompartmentModel three_compartments()
  {
    dermatwin::pk::DispositionParameters p;
    p.kind              = dermatwin::pk::ModelKind::three_compartment;
    p.clearance_L_per_h = 46, p.v1_L = 13, p.v2_L = 60, p.q2_L_per_h = 200, p.v3_L = 280, p.q3_L_per_h = 80;
    return dermatwin::pk::CompartmentModel(p);
  }

  /// Runs the patch scenario: applied at 0, removed at 24 h, sampled at
  /// @p times; returns the states.
  std::vector<std::vector<double>> run(const IntegratorOptions &options, const std::vector<double> &times,
                                       const double dispersed_mg_per_cm2)
  {
    TransdermalBody body(three_compartments());
    body.add_column(std::make_unique<SkinColumn>(patch_column(dispersed_mg_per_cm2)), 10.);
    std::vector<double> y = body.zero_state();
    body.activate(0, y);
    BodyIntegrator integrator(options);
    double         t = 0;
    std::vector<std::vector<double>> states;
    const unsigned int dispersed = body.column(0).n_dofs() + SkinColumn::dispersed;
    auto depletion = [&](const std::vector<double> &s) {
      return body.column(0).dissolving() ? s[dispersed] / dispersed_mg_per_cm2 : 1.;
    };
    for (const double t_out : times)
      {
        if (t < 24 && t_out >= 24)
          {
            while (t < 24)
              if (integrator.advance(body, t, 24, y, depletion))
                body.column(0).stop_dissolution(), integrator.restart();
            y[dispersed] = 0;
            body.column(0).detach_patch();
            integrator.restart();
          }
        while (t < t_out)
          if (integrator.advance(body, t, t_out, y, depletion))
            body.column(0).stop_dissolution(), integrator.restart();
        states.push_back(y);
      }
    return states;
  }
} // namespace

TEST(ExpDividedDifference, ClosedFormsAndCoincidingPoints)
{
  auto e = [](std::vector<double> x) { return exp_divided_difference(x.data(), x.size() - 1); };
  // Well separated: the definition, in long double.
  for (const auto &[a, b] : std::vector<std::pair<double, double>>{{0., -3.}, {-0.2, -40.}, {-1e-3, -1e5}})
    EXPECT_NEAR(e({a, b}), double((expl(a) - expl(b)) / (a - (long double)b)), 1e-15 * e({a, b}));
  EXPECT_NEAR(e({-0.5, -7., -2.}),
              double(((expl(-0.5L) - expl(-2.L)) / 1.5L - (expl(-2.L) - expl(-7.L)) / 5.L) / 6.5L), 1e-14);
  // Coinciding points: derivatives, e[x, x] = e^x, e[x, x, x] = e^x / 2, e[0,0,0,0] = 1/6.
  EXPECT_DOUBLE_EQ(e({-0.7, -0.7}), std::exp(-0.7));
  EXPECT_DOUBLE_EQ(e({-0.7, -0.7, -0.7}), std::exp(-0.7) / 2);
  EXPECT_DOUBLE_EQ(e({0., 0., 0., 0.}), 1. / 6.);
  // Nearly coinciding points, where the definition cancels: expm1 form.
  const double a = -0.3, h = 1e-9;
  EXPECT_NEAR(e({a, a - h}), std::exp(a - h) * std::expm1(h) / h, 1e-15);
  // Continuous across the switch between series (spread <= 1) and recurrence.
  for (const double spread : {1. - 1e-12, 1. + 1e-12})
    EXPECT_NEAR(e({0., -0.4, -spread, -spread}),
                e({0., -0.4, -1., -1.}), 1e-11);
  // Symmetric points, whose odd series terms vanish: e[a, -a] = sinh(a)/a.
  EXPECT_NEAR(e({0.3, -0.3}), std::sinh(0.3) / 0.3, 1e-16);
}

TEST(ModalIntegrator, CrankMembraneSeries)
{
  // Infinite donor on top, sink below: Crank (1975) eq. 4.24a, exact in time.
  const double L = 20e-4, D = 1e-9 * 3600, K = 5, C = 1;
  ColumnSetup s;
  s.layers                           = LayerStack({make_layer("membrane", LayerRole::skin, L, D, K)});
  s.initial_concentration_mg_per_cm3 = {0.};
  s.fixed_top_concentration          = true;
  s.donor_concentration_mg_per_cm3   = C;
  s.sink_bottom                      = true;
  s.mesh.cells_per_layer             = 8;
  s.fe_degree                        = 3;
  TransdermalBody body(std::nullopt);
  body.add_column(std::make_unique<SkinColumn>(s), 1.0);
  std::vector<double> y = body.zero_state();
  body.activate(0, y);
  IntegratorOptions options;
  options.method = TimeIntegration::exponential;
  BodyIntegrator integrator(options);
  double         t = 0;
  for (const double t_h : {0.2, 1., 4.})
    {
      integrator.advance(body, t, t_h, y);
      double sum = 0;
      for (int n = 1; n < 200; ++n)
        sum += std::pow(-1., n) / (n * n) * std::exp(-D * n * n * M_PI * M_PI * t_h / (L * L));
      const double crank = L * K * C * (D * t_h / (L * L) - 1. / 6. - 2. / (M_PI * M_PI) * sum);
      const double permeated = y[body.column(0).n_dofs() + SkinColumn::permeated];
      EXPECT_NEAR(permeated / crank, 1., 2e-4) << "t = " << t_h;
      // Balance: entered = in the membrane + permeated.
      const double entered = y[body.column(0).n_dofs() + SkinColumn::entered];
      EXPECT_NEAR(entered, body.column(0).amount(y.data(), LayerRole::skin) + permeated, 1e-12 * entered);
    }
  EXPECT_TRUE(integrator.modal());
}

TEST(ModalIntegrator, AgreesWithExtrapolationAndConservesDrug)
{
  const std::vector<double> times = {0.01, 0.5, 3., 12., 24., 30., 72.};
  for (const double dispersed : {0., 0.5})
    {
      IntegratorOptions exact, stepped;
      exact.method                = TimeIntegration::exponential;
      stepped.method              = TimeIntegration::extrapolation;
      stepped.relative_tolerance  = 1e-10;
      const auto modal     = run(exact, times, dispersed);
      const auto reference = run(stepped, times, dispersed);
      for (std::size_t k = 0; k < times.size(); ++k)
        {
          double largest = 0;
          for (const double v : reference[k])
            largest = std::max(largest, std::abs(v));
          for (std::size_t i = 0; i < modal[k].size(); ++i)
            EXPECT_NEAR(modal[k][i], reference[k][i], 1e-8 * largest)
              << "dispersed " << dispersed << ", t = " << times[k] << ", component " << i;
        }
    }
}

TEST(ModalIntegrator, DrugBalanceClosesToRoundOff)
{
  const double dispersed = 0.5;
  IntegratorOptions options;
  options.method   = TimeIntegration::exponential;
  const auto states = run(options, {0.3, 5., 23.}, dispersed);
  TransdermalBody body(three_compartments());
  body.add_column(std::make_unique<SkinColumn>(patch_column(dispersed)), 10.);
  const SkinColumn &column = body.column(0);
  const double load = 10. * (60. * 50e-4 + dispersed); // area x (dissolved + dispersed)
  for (const auto &y : states)
    {
      const double in_column = 10. * (column.amount(y.data(), LayerRole::patch) +
                                      column.amount(y.data(), LayerRole::skin) +
                                      y[column.n_dofs() + SkinColumn::dispersed]);
      const double absorbed  = 10. * y[column.n_dofs() + SkinColumn::absorbed];
      // Round-off of the eigenbasis and of the dissolution integral, which
      // cancels against a source 36 times the dispersed amount by 23 h.
      EXPECT_NEAR(in_column + absorbed, load, 1e-10 * load);
      // PK: absorbed = in the body + eliminated.
      EXPECT_NEAR(body.amount_in_body_mg(y) + body.eliminated_mg(y), absorbed, 1e-12 * load);
    }
}
