// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_fem_skin_column_h
#define dermatwin_fem_skin_column_h

#include <dermatwin/fem/banded_matrix.h>
#include <dermatwin/fem/layer_stack.h>
#include <dermatwin/fem/layered_skin_mesh.h>

#include <deal.II/fe/fe_q.h>

#include <map>
#include <memory>
#include <utility>
#include <string>
#include <vector>

namespace dermatwin::fem
{
  /// What one column (a patch or donor on a piece of skin) is made of.
  struct ColumnSetup
  {
    LayerStack layers; ///< outermost first
    /// Dissolved concentration at t = 0 in each layer [mg/cm^3].
    std::vector<double> initial_concentration_mg_per_cm3;

    /// Infinite donor: the concentration in the donor vehicle is held fixed
    /// at the top face; skin partition coefficients are relative to the
    /// vehicle, so the potential there is u = c_donor / K_vehicle.
    bool   fixed_top_concentration          = false;
    double donor_concentration_mg_per_cm3   = 0;
    double donor_vehicle_partition_coeff    = 1;
    /// Sink receptor: zero concentration at the bottom face.
    bool sink_bottom = false;

    /// Dispersed (undissolved) drug in the patch layer [mg/cm^2 of area],
    /// dissolving at dissolution_rate_per_h * (solubility - c) per volume
    /// of matrix while any is left.
    double dispersed_mg_per_cm2             = 0;
    double patch_solubility_mg_per_cm3      = 0;
    double dissolution_rate_per_h           = 0;

    unsigned int fe_degree = 2;
    MeshOptions  mesh;
  };

  /**
   * Factors that multiply each layer's diffusivity and blood uptake rate
   * (e.g. from the skin temperature, materials::SkinTemperatureScaling), one
   * per layer of the stack. Empty vectors mean 1 for every layer.
   */
  struct CoefficientScales
  {
    std::vector<double> diffusivity, blood_uptake;
    /// Throws std::invalid_argument unless each vector is empty or has one
    /// finite factor > 0 per layer (@p n_layers); @p who prefixes the message.
    void validate(unsigned int n_layers, const std::string &who) const;
    /// The factors of layer @p l (1 if the vector is empty).
    double diffusivity_factor(const unsigned int l) const { return diffusivity.empty() ? 1. : diffusivity[l]; }
    double blood_uptake_factor(const unsigned int l) const { return blood_uptake.empty() ? 1. : blood_uptake[l]; }
  };

  /**
   * One-dimensional finite-element model of drug transport through a layer
   * stack (patch or donor, stratum corneum, viable epidermis, dermis, ...).
   *
   * Unknown: the potential u = c/K, continuous across interfaces, so the
   * partition jumps c_i/K_i = c_j/K_j are exact. Weak form, per unit area:
   *   (K du/dt, v) + (K D u', v') + (k K u, v) = (f, v)
   * with layer-wise K, D and blood uptake k; f is the dissolution source of
   * dispersed drug in the patch. FE_Q(p) on a graded mesh with the layer
   * interfaces on vertices, DoFs sorted by depth so all matrices are banded.
   *
   * Time stepping is left to the caller through implicit_euler_step(),
   * which advances the column state
   *   y = [u_0 .. u_{n-1}, dispersed, absorbed, permeated, entered]
   * (amounts in mg/cm^2: dispersed drug left, drug taken up by blood, drug
   * through a sink bottom, drug entered from a fixed-concentration donor).
   * Every implicit-Euler step conserves the drug amount exactly (to round-off).
   */
  class SkinColumn
  {
  public:
    enum Scalar : unsigned int
    {
      dispersed = 0,
      absorbed  = 1,
      permeated = 2,
      entered   = 3
    };
    static constexpr unsigned int n_scalars = 4;

    explicit SkinColumn(const ColumnSetup &setup);

    unsigned int n_dofs() const { return n_dofs_; }
    unsigned int state_size() const { return n_dofs_ + n_scalars; }
    const ColumnSetup &setup() const { return setup_; }
    /// Depth of DoF i [cm] (DoFs are sorted by depth).
    double dof_depth_cm(unsigned int i) const { return depths_[i]; }

    /// Initial state: the layer loads enter through the exact load vector, so
    /// the initial amount is exact.
    std::vector<double> initial_state() const;

    /// Removes the patch layer: the skin surface becomes a no-flux boundary.
    void detach_patch();
    bool patch_attached() const { return patch_attached_; }
    /// Multiplies each layer's D and k by the given factors (relative to the
    /// setup's values, not cumulative). The layer matrices are linear in D
    /// and k, so only the operator is re-summed and the factors are reset; the
    /// state y stays valid (restart the integrator afterwards). Throws
    /// std::invalid_argument for a wrong count or a factor that is not finite
    /// and > 0.
    void set_coefficient_scales(const CoefficientScales &scales);
    const CoefficientScales &coefficient_scales() const { return scales_; }
    /// Stops dissolution (called when the dispersed drug is used up).
    void stop_dissolution();
    bool dissolving() const { return dissolving_; }

    /// y_new from y_old by one implicit-Euler step of length h_h.
    void implicit_euler_step(double h_h, const double *y_old, double *y_new) const;

    /// Drug amounts in the layers with this role [mg/cm^2].
    double amount(const double *y, LayerRole role) const;
    /// Instantaneous fluxes of the semi-discrete system [mg/cm^2/h].
    struct Rates
    {
      double into_skin = 0;  ///< from patch or donor into the skin
      double out       = 0;  ///< into a receptor (sink or finite)
      double to_blood  = 0;  ///< blood uptake
    };
    Rates rates(const double *y) const;
    /// Blood uptake rate alone (Rates::to_blood, mg/(cm^2 h)): one dot product.
    double to_blood_mg_per_cm2_per_h(const double *y) const;
    /// Its time derivative [mg/(cm^2 h^2)]: uptake . u' with M u' = f - A u
    /// on the free rows (one banded solve).
    double to_blood_rate_of_change(const double *y) const;

    /// The semi-discrete system of the current configuration, for solvers
    /// other than implicit_euler_step(): M u' = f - A u on the free rows,
    /// while a fixed row (Dirichlet value, or a frozen node of a removed
    /// patch) keeps its value. The scalars integrate
    ///   absorbed' = uptake . u,   dispersed' = -(sum f - dissolution . u)
    ///   (while dissolving),   entered' / permeated' = the residual of the
    /// top / bottom row (fixed_top_concentration / sink_bottom).
    const BandedMatrix &mass_matrix() const { return mass_now_; }
    const BandedMatrix &operator_matrix() const { return operator_now_; }
    const std::vector<double> &source() const { return source_now_; }
    bool fixed_row(const unsigned int i) const { return row_kind_[i] != 0; }
    const std::vector<double> &uptake_functional() const { return uptake_functional_; }
    const std::vector<double> &dissolution_functional() const { return dissolution_functional_; }
    double source_total() const { return source_total_; }
    unsigned int top_dof() const { return top_dof_; }
    unsigned int bottom_dof() const { return bottom_dof_; }

    /// Typical size of each state component, for error weights. It changes
    /// only with the configuration (patch removal, end of dissolution).
    const std::vector<double> &state_scale() const { return state_scale_; }

    /// Concentration c = K u at depth x_cm (evaluated in the layer below an
    /// interface when x is exactly on one, unless @p upper_side).
    double concentration_at(const double *y, double x_cm, bool upper_side = false) const;

  private:
    /// Global DoFs of cell @p c in FE_Q's local order (the two vertices,
    /// then the interior points from top to bottom). DoFs are numbered by
    /// depth: the vertex at the top of cell c is c p, its interior points
    /// follow.
    void cell_dofs(unsigned int c, std::vector<unsigned int> &dofs) const;
    void compute_dof_depths();
    /// u' of the semi-discrete system, M u' = f - A u on the free rows and 0
    /// on the fixed ones, in work_rhs_; leaves A u - f in work_residual_.
    const std::vector<double> &time_derivative(const double *y) const;
    void assemble_layers();
    void update_configuration();
    /// M + h A with the fixed rows and columns replaced by the identity.
    BandedMatrix constrained_matrix(double h_h) const;
    /// LU factors of constrained_matrix(h_h), cached per step size.
    const BandedLU &system_factor(double h_h) const;
    std::vector<double> compute_state_scale() const;

    ColumnSetup setup_;
    LayeredSkinMesh           mesh_;
    /// FE_Q(p), shared by all columns of a process (immutable once built).
    const dealii::FE_Q<1>    &fe_;
    unsigned int              n_dofs_ = 0;
    std::vector<double>       depths_;

    // Per-layer pieces, assembled once.
    std::vector<BandedMatrix>        mass_, stiffness_, uptake_;
    std::vector<std::vector<double>> load_; ///< (1, phi_i) per layer
    std::vector<std::vector<double>> amount_weights_; ///< column sums of mass_ per layer
    std::vector<std::vector<bool>>   dof_in_layer_;

    // Current configuration (which layers take part, which rows are fixed).
    CoefficientScales   scales_;
    bool                patch_attached_ = true;
    bool                dissolving_     = false;
    BandedMatrix        mass_now_, operator_now_;
    std::vector<double> source_now_, uptake_functional_, dissolution_functional_;
    double              source_total_ = 0; ///< sum of source_now_
    std::vector<char>   row_kind_; ///< 0 free, 1 Dirichlet, 2 frozen
    /// Rows that are not free (kind 1 or 2), and the Dirichlet rows with
    /// their values, so the time step need not scan row_kind_.
    std::vector<unsigned int> fixed_rows_;
    std::vector<std::pair<unsigned int, double>> dirichlet_rows_;
    unsigned int        top_dof_ = 0, bottom_dof_ = 0;
    double              top_potential_ = 0;
    std::vector<double> state_scale_;
    /// Factors of the constrained mass matrix (h = 0), for rates() and the
    /// initial projection.
    BandedLU            mass_factor_;

    mutable std::map<double, BandedLU> factors_;
    /// The factor used last: consecutive substeps share the step size.
    mutable const BandedLU *last_factor_ = nullptr;
    mutable double          last_h_      = -1;
    /// Scratch vectors of implicit_euler_step() and rates(), kept to avoid
    /// allocations in the time loop.
    mutable std::vector<double> work_rhs_, work_residual_;
  };
} // namespace dermatwin::fem

#endif
