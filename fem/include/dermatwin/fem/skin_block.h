// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_fem_skin_block_h
#define dermatwin_fem_skin_block_h

#include <dermatwin/fem/block_geometry.h>
#include <dermatwin/fem/layer_stack.h>
#include <dermatwin/fem/layered_skin_mesh.h>
#include <dermatwin/fem/skin_column.h>

#include <deal.II/base/function.h>
#include <deal.II/base/index_set.h>
#include <deal.II/distributed/tria.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/trilinos_precondition.h>
#include <deal.II/lac/trilinos_sparse_matrix.h>
#include <deal.II/lac/trilinos_sparsity_pattern.h>
#include <deal.II/lac/trilinos_vector.h>
#include <deal.II/lac/vector.h>

#include <mpi.h>

#include <array>
#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace dermatwin::fem
{
  namespace internal
  {
    class SparseCholesky;
    class CholeskyAnalysis;
    class LowerTriangle;
    class ProjectedStart;
    class CsrProduct;
    template <typename T>
    class OnceTask;
  } // namespace internal

  /// What a block of layered skin is made of (solver units: cm, h, mg).
  struct BlockSetup
  {
    /// Outermost first. A `patch` layer (optional, first) exists only under
    /// the footprints; donor, skin and receptor layers span the whole block.
    LayerStack layers;
    /// Dissolved concentration at t = 0 per layer [mg/cm^3] (the patch layer
    /// entry is ignored: patches get their concentration when applied).
    std::vector<double> initial_concentration_mg_per_cm3;
    /// Patch regions (only with a patch layer).
    std::vector<PatchFootprint> footprints;

    bool   fixed_top_concentration        = false; ///< infinite donor over the whole top
    double donor_concentration_mg_per_cm3 = 0;
    double donor_vehicle_partition_coeff  = 1;
    bool   sink_bottom                    = false;

    double domain_radius_cm = 1;         ///< axisymmetric: radius of the skin disc
    double domain_size_x_cm = 2, domain_size_y_cm = 2; ///< 3d: the block is centred at (0, 0)

    unsigned int       fe_degree          = 2;
    MeshOptions        depth_mesh;        ///< as the 1D column: same cells in depth
    LateralMeshOptions lateral_mesh;
    unsigned int       global_refinements = 0;
    MPI_Comm           communicator       = MPI_COMM_WORLD;
  };

  /**
   * Undissolved drug in a patch (load above the solubility of the matrix).
   * As in SkinColumn, it dissolves at dissolution_rate_per_h * (solubility -
   * c) per volume of patch matrix, uniformly over the patch, while any is left.
   */
  struct DispersedDrug
  {
    double amount_mg              = 0;
    double solubility_mg_per_cm3  = 0;
    double dissolution_rate_per_h = 0;
  };

  /// A patch put on the skin: its footprint, its dissolved concentration
  /// [mg/cm^3] and its dispersed drug (SkinBlock::apply_patches).
  struct PatchApplication
  {
    unsigned int  patch                    = 0;
    double        concentration_mg_per_cm3 = 0;
    DispersedDrug dispersed                = {};
  };

  /**
   * Drug transport through a block of layered skin in 2D axisymmetric
   * (dim = 2: x[0] = r, x[1] = z) or 3D Cartesian (dim = 3: x, y, z), with z
   * pointing up and the top of the outermost layer at z = 0.
   *
   * As the 1D SkinColumn: unknown u = c/K, continuous across layers (so the
   * partition jumps are exact), weak form
   *   (K du/dt, v) + (K D grad u, grad v) + (k K u, v) = 0,
   * where every integral carries the weight 2 pi r in the axisymmetric case.
   * The patch layer only exists under the footprints; a patch that is not
   * applied (or removed) is cut off: its cells do not take part and the skin
   * surface is a no-flux boundary there. FE_Q(p) on a distributed mesh built
   * from a conforming coarse mesh (graded in depth exactly as the 1D column;
   * in the plane a tensor grid refined towards the patch edges, with a
   * body-fitted O-grid around round patches in 3D), Trilinos matrices,
   * CG with an algebraic multigrid (ML) preconditioner (sparse Cholesky for
   * the axisymmetric block on one rank). All integrals use Gauss-Lobatto
   * points in the lateral directions (lateral mass lumping) and Gauss points
   * in depth: that keeps the sharp front at a patch edge from undershooting,
   * and a laterally uniform solution is exactly the 1D column's.
   *
   * Optional adaptive refinement (adapt_mesh): a flux-jump error indicator
   * (Kelly's, over faces inside one layer), p4est refinement and coarsening
   * with hanging-node constraints, and solution transfer with the drug
   * amount kept exact.
   *
   * Time stepping by the caller through step(h, implicit): theta scheme
   * (Crank-Nicolson, or implicit Euler for the start-up steps after an
   * event). Dispersed drug in a patch adds the source f = r (S - K u) on the
   * patch cells while it lasts; the caller ends it (stop_dissolution) when
   * dispersed_mg() reaches zero. The absorbed (blood uptake), permeated (sink) and entered (fixed
   * donor) amounts are accumulated with the same theta rule from the
   * residuals of the discrete equations, so the drug amount balances to the
   * linear solver tolerance.
   */
  template <int dim>
  class SkinBlock
  {
  public:
    explicit SkinBlock(const BlockSetup &setup);
    ~SkinBlock();

    dealii::types::global_dof_index n_dofs() const { return dof_handler_.n_dofs(); }
    unsigned int n_cells() const { return triangulation_.n_global_active_cells(); }
    const BlockSetup &setup() const { return setup_; }
    /// Volume of patch region p as meshed [cm^3] (differs from area x
    /// thickness only for a round patch meshed as a staircase in 3D, see
    /// fem/src/block_mesh.h).
    double patch_volume_cm3(unsigned int p) const { return patch_volume_cm3_.at(p); }

    /// Puts patch p on the skin with dissolved drug at @p concentration
    /// [mg/cm^3] (amount-exact L2 projection of the new concentration field:
    /// the block gains exactly concentration x patch_volume_cm3(p)) and,
    /// optionally, dispersed drug that dissolves while the patch is on.
    void apply_patch(unsigned int p, double concentration_mg_per_cm3, const DispersedDrug &dispersed = {});
    /// Takes patch p off; returns the drug it still held [mg] (dissolved and
    /// dispersed).
    double remove_patch(unsigned int p);
    /// Several patches put on at the same time, as apply_patch() for each but
    /// with one assembly of the block and one projection.
    void apply_patches(const std::vector<PatchApplication> &applications);
    /// Several patches taken off at the same time, as remove_patch() for each
    /// (the drug each still held, in the order given) with one assembly.
    std::vector<double> remove_patches(const std::vector<unsigned int> &patches);
    /// Dispersed drug left in patch p [mg] (slightly negative at the end of
    /// a step that overran its depletion; see stop_dissolution()).
    double dispersed_mg(unsigned int p) const { return dispersed_mg_.at(p); }
    bool dissolving(unsigned int p) const { return dissolving_.at(p); }
    /// Current dissolution rate of patch p [mg/h] (0 when not dissolving).
    double dissolution_rate_mg_per_h(unsigned int p) const;
    /// Ends dissolution in patch p: what dispersed_mg() still says (either
    /// sign, small when called at depletion) is added to the dissolved drug
    /// of the patch as a uniform concentration, so the amount stays exact.
    void stop_dissolution(unsigned int p);
    /// Scales every layer's diffusivity and blood uptake (skin temperature:
    /// Arrhenius D, blood-flow factor; see studies::thermal_coefficient_scales)
    /// relative to the setup's values; an empty vector means 1. The whole block
    /// takes one temperature. Reassembles; the state is kept.
    void set_coefficient_scales(const CoefficientScales &scales);
    bool patch_applied(unsigned int p) const { return applied_.at(p); }

    /// Advances by h_h: Crank-Nicolson, or implicit Euler if @p implicit_euler.
    void step(double h_h, bool implicit_euler);
    /// Announces the coming steps {h_h, implicit_euler} (a start-up ladder
    /// after an event: several step sizes in quick succession). The
    /// axisymmetric block on one rank factorises their matrices on a worker
    /// thread meanwhile; the step that needs one not yet started factorises
    /// it itself. Results are the same as without; elsewhere a no-op.
    void prepare_steps(const std::vector<std::pair<double, bool>> &steps);
    /// Says that steps {h_h, implicit_euler} will not come again (a passed
    /// rung of the ladder): their matrix and factorisation are freed, and
    /// the memory goes to the next factorisation. Results are the same.
    void release_step(double h_h, bool implicit_euler);

    /// Adaptive refinement: the cells with the largest flux-jump indicators,
    /// which together carry @p refine_fraction of their sum, are refined, and
    /// the smallest ones carrying @p coarsen_fraction coarsened (deal.II's
    /// fixed-fraction strategy), never beyond @p max_levels
    /// above the initial mesh nor below it. The state moves to the new mesh by
    /// interpolation (exact for refinement) and is then scaled so the drug in
    /// the block is exactly what it was (the lumped quadrature of the new
    /// cells integrates the same field slightly differently; coarsening loses
    /// detail). Returns false (and changes nothing) if no cell was flagged.
    /// Collective.
    bool adapt_mesh(unsigned int max_levels, double refine_fraction, double coarsen_fraction);
    /// Error indicator of each active cell (0 on cells that are not locally
    /// owned or not active): sqrt(sum over its faces inside one layer of
    /// h/24 times the integral of the jump of K D du/dn squared).
    dealii::Vector<float> error_indicators() const;
    /// Relative amount correction of the last mesh change ((after - before)
    /// / before of the interpolated field, before the scaling).
    double last_remesh_correction() const { return last_remesh_correction_; }

    /// Cumulative amounts [mg] (the whole block).
    double absorbed_mg() const { return absorbed_mg_; }
    double permeated_mg() const { return permeated_mg_; }
    double entered_mg() const { return entered_mg_; }
    /// Drug in the layers with this role [mg] (patch: applied patches only).
    double amount_mg(LayerRole role) const;
    /// Drug in patch region p [mg] (0 when not applied).
    double patch_amount_mg(unsigned int p) const;

    /// Instantaneous rates of the semi-discrete system [mg/h].
    struct Rates
    {
      double into_skin = 0; ///< from patches or donor into the skin
      double out       = 0; ///< into a receptor (sink or finite)
      double to_blood  = 0; ///< blood uptake
    };
    Rates rates() const;
    /// Rates::to_blood alone (one dot product) [mg/h].
    double to_blood_mg_per_h() const;

    /// Smallest and largest nodal value of u on DoFs that take part.
    std::pair<double, double> u_range() const;

    /// CG iterations of the last step and in total.
    unsigned int last_iterations() const { return last_iterations_; }
    unsigned long total_iterations() const { return total_iterations_; }

    /// The fields as VTU pieces (one per rank, written by rank 0 after a
    /// gather) and the PVTU record: {file name, content}, names relative to
    /// the fields folder. Collective.
    std::vector<std::pair<std::string, std::string>>
    field_files(const std::string &base_name) const;

    /// L2 error of u against an exact solution (MMS tests); weighted by
    /// 2 pi r in the axisymmetric case. Collective.
    double l2_error(const dealii::Function<dim> &exact) const;
    /// Solves the steady problem (K D grad u, grad v) + (k K u, v) =
    /// (f, v) with the block's boundary conditions (MMS tests; needs k > 0
    /// or a Dirichlet face).
    void solve_steady(const dealii::Function<dim> &source);
    const dealii::DoFHandler<dim> &dof_handler() const { return dof_handler_; }
    const dealii::TrilinosWrappers::MPI::Vector &solution() const { return ghosted_; }

  private:
    void make_mesh();
    void setup_dofs();
    /// Constraints, matrices and functionals for the current set of active
    /// cells (called after every apply/remove).
    void assemble_configuration();
    bool cell_active(const typename dealii::DoFHandler<dim>::active_cell_iterator &cell) const;
    /// Patch region of a patch-layer cell, or -1.
    int region_of(const typename dealii::Triangulation<dim>::cell_iterator &cell) const;
    double weight(const dealii::Point<dim> &p) const;
    struct System;
    const System &system(double theta_h) const;
    /// x = S^{-1} b (direct, or CG from x when @p start_from_x, else from 0).
    unsigned int solve(const System &s, dealii::TrilinosWrappers::MPI::Vector &x,
                       const dealii::TrilinosWrappers::MPI::Vector &b, bool start_from_x = false) const;
    /// x = M^{-1} b with the constrained mass matrix (CG, Jacobi preconditioner).
    void solve_mass(dealii::TrilinosWrappers::MPI::Vector &x, const dealii::TrilinosWrappers::MPI::Vector &b) const;
    void update_ghosts();
    /// Dissolution rate of patch p [mg/h] for the state @p u.
    double dissolution_rate_mg_per_h(unsigned int p, const dealii::TrilinosWrappers::MPI::Vector &u) const;
    /// Sets the DoFs that take part in no cell (a patch not on the skin) to
    /// 0: distributing constraints would otherwise let a hanging one among
    /// them follow its masters on the skin and drift.
    void zero_frozen(dealii::TrilinosWrappers::MPI::Vector &v) const;
    /// Sets the entries at @p positions of v's local array to 0.
    void zero_at(const std::vector<unsigned int> &positions, dealii::TrilinosWrappers::MPI::Vector &v) const;
    /// constraints_.distribute() for an increment (homogeneous constraints);
    /// without hanging nodes it sets the constrained entries to 0 directly.
    void distribute_increment(dealii::TrilinosWrappers::MPI::Vector &delta) const;
    /// Executes the refinement flags, rebuilds DoFs and matrices, and
    /// interpolates u to the new mesh (adapt_mesh).
    void refine_and_transfer();
    /// Drug in the active cells for the state @p u [mg].
    double drug_in_block_mg(const dealii::TrilinosWrappers::MPI::Vector &u) const;
    /// Refines cells that take no part (patches not on the skin) where an
    /// active neighbour is finer, so their faces constrain nothing.
    void refine_inactive_over_finer_cells();
    /// v := C^T v with the constrained rows zeroed: the residual of the
    /// unconstrained equations condensed onto the free DoFs (a hanging node's
    /// row goes to its masters with their weights).
    void condense(dealii::TrilinosWrappers::MPI::Vector &v) const;
    /// Weight of DoF j in the sum of the residual rows of the Dirichlet
    /// face @p face_dofs after condensation: 1 on the face, the masters'
    /// weights on the face for a hanging node, else 0.
    double face_weight(dealii::types::global_dof_index j, const dealii::IndexSet &face_dofs) const;
    /// u += delta with M delta = (c_new - K u, phi) on the cells where
    /// @p new_concentration is >= 0 (amount-exact projection, with the
    /// quadrature of M).
    /// With @p increment, the cells' concentration is raised by the value
    /// instead (M delta = (dc, phi)).
    void project(const std::function<double(
                   const typename dealii::DoFHandler<dim>::active_cell_iterator &)> &new_concentration,
                 bool increment = false);

    BlockSetup setup_;
    CoefficientScales scales_;
    dealii::parallel::distributed::Triangulation<dim> triangulation_;
    dealii::FE_Q<dim>                                 fe_;
    dealii::DoFHandler<dim>                           dof_handler_;
    dealii::IndexSet                                  owned_, relevant_;
    dealii::AffineConstraints<double>                 constraints_;
    /// Hanging-node constraints alone (for the sparsity pattern and to
    /// distribute transferred solutions).
    dealii::AffineConstraints<double>                 hanging_;
    /// Owned DoFs with hanging-node constraints and their masters.
    std::vector<std::pair<dealii::types::global_dof_index,
                          const std::vector<std::pair<dealii::types::global_dof_index, double>> *>>
         hanging_rows_;
    bool has_hanging_ = false; ///< on any rank
    /// Owned DoFs of no active cell, and of an active one, as positions in
    /// the local array of a vector.
    std::vector<unsigned int> frozen_owned_, active_owned_;
    /// Owned DoFs with a constraint (hanging, Dirichlet face, frozen), as positions.
    std::vector<unsigned int> constrained_owned_;
    double last_remesh_correction_ = 0;
    dealii::TrilinosWrappers::SparsityPattern         pattern_;
    /// Unconstrained operator A = stiffness + uptake; constrained M and A.
    dealii::TrilinosWrappers::SparseMatrix operator_full_, mass_c_, operator_c_;
    /// Flux functionals: rows of M and A summed over the Dirichlet DoFs of
    /// the top and bottom faces; uptake functional (k K, phi_i).
    dealii::TrilinosWrappers::MPI::Vector mass_top_, operator_top_, mass_bottom_, operator_bottom_,
      uptake_;
    /// Dissolution source (r S, phi_i) of the dissolving patches, and its
    /// total per patch region [mg/h].
    dealii::TrilinosWrappers::MPI::Vector source_;
    std::vector<double>                   source_total_mg_per_h_;
    /// Amount functionals: entries (K, phi_i) over the active cells of each
    /// layer role and of each patch region, so an amount is a dot product.
    std::vector<dealii::TrilinosWrappers::MPI::Vector> role_amount_, region_amount_;
    /// Rate weights z = M^{-1} l of the flux functionals l (into the skin,
    /// out of it) of the current configuration: a rate is z . (-A u) (plus
    /// the Dirichlet-row terms), so rates() needs no solve.
    mutable dealii::TrilinosWrappers::MPI::Vector rate_in_, rate_out_;
    mutable bool                                  rate_weights_ready_ = false;
    /// The functionals above by their nonzero entries (fem/src/skin_block.cc):
    /// most live on one or two layers, and a dense dot product with u reads
    /// two whole vectors.
    struct SparseFunctionals;
    std::unique_ptr<SparseFunctionals> sparse_;
    /// uptake . u for the current u (to_blood_mg_per_h; the step after an
    /// output row needs it again); invalidated with operator_u_ready_.
    mutable double to_blood_mg_per_h_ = 0;
    mutable bool   to_blood_ready_    = false;
    dealii::TrilinosWrappers::PreconditionJacobi  mass_jacobi_;
    /// Ordering and symbolic analysis shared by the Cholesky factorisations
    /// (they all have pattern_), started on a worker thread as soon as the
    /// pattern is known (it needs no values), so it runs while the matrices
    /// are assembled.
    std::shared_ptr<internal::OnceTask<const internal::CholeskyAnalysis>> analysis_;
    /// The lower triangles of mass_c_ and operator_c_ (the factorised
    /// matrices M + theta h A are made from them), per configuration.
    mutable std::shared_ptr<const internal::LowerTriangle> mass_lower_, operator_lower_;
    /// Starts analysis_ for pattern_ (axisymmetric block on one rank).
    void start_cholesky_analysis();
    /// A factorisation of @p lower to run on first use or ahead.
    std::shared_ptr<internal::OnceTask<internal::SparseCholesky>>
    cholesky_task(std::shared_ptr<const internal::LowerTriangle> lower) const;
    /// The factorisations prepare_steps handed to a worker thread, in order.
    mutable std::vector<std::shared_ptr<internal::OnceTask<internal::SparseCholesky>>> prepared_;
    /// Worker threads of prepare_steps, each with its stop flag. A task
    /// owns what it reads (copies of matrices), so a worker never touches
    /// the block.
    mutable std::vector<std::pair<std::future<void>, std::shared_ptr<std::atomic<bool>>>> workers_;
    /// The axisymmetric block on one rank: sparse Cholesky factorisations.
    bool uses_cholesky() const;
    /// Tells the workers to start no more tasks; waits for them if @p wait.
    void stop_workers(bool wait) const;
    dealii::TrilinosWrappers::MPI::Vector u_, ghosted_;
    /// A u for the current u (operator_full_): the rates of an output row
    /// and the next step need the same product. Computed on demand; any
    /// change of u (update_ghosts) or of the operator invalidates it.
    const dealii::TrilinosWrappers::MPI::Vector &operator_times_u() const;
    mutable dealii::TrilinosWrappers::MPI::Vector operator_u_;
    /// A u on two threads, on one rank (else Epetra's product).
    std::unique_ptr<internal::CsrProduct> operator_product_;
    mutable bool                                  operator_u_ready_ = false;
    /// Work vectors of step() (kept: allocating them was a tenth of a step).
    dealii::TrilinosWrappers::MPI::Vector step_rhs_, step_delta_, step_u_theta_;
    /// Work vector of rates().
    mutable dealii::TrilinosWrappers::MPI::Vector rates_residual_;
    dealii::IndexSet                      active_dofs_; ///< locally relevant DoFs taking part
    dealii::IndexSet                      top_dofs_, bottom_dofs_; ///< on the top/bottom face
    std::vector<bool>                     applied_, dissolving_;
    std::vector<DispersedDrug>            dispersion_;
    std::vector<double>                   dispersed_mg_;
    std::vector<double>                   patch_volume_cm3_;
    std::vector<int> coarse_region_; ///< patch region of each coarse cell (-1: none)
    double absorbed_mg_ = 0, permeated_mg_ = 0, entered_mg_ = 0;
    double top_potential_ = 0;
    mutable std::map<double, std::unique_ptr<System>> systems_;
    mutable unsigned long use_count_ = 0; ///< clock of the systems_ cache
    /// CG (3D) starts from the projection onto the increments of the last
    /// steps with the same matrix (fem/src/projected_start.h), whose
    /// theta h is start_key_; reset with every new configuration or mesh.
    std::unique_ptr<internal::ProjectedStart> projected_start_;
    double                                    start_key_ = -1;
    mutable unsigned int  last_iterations_  = 0;
    mutable unsigned long total_iterations_ = 0;
  };

  /// Initialises MPI (and p4est) once for this process when no launcher or
  /// caller did; finalised at exit.
  void ensure_mpi_initialized();

  /// Cell sizes of [0, length] growing geometrically by @p growth from
  /// @p h_left_cm at the left end (0: no refinement there) and @p h_right_cm at
  /// the right end, at most @p h_max_cm.
  std::vector<double> graded_lateral_sizes(double length_cm, double h_left_cm, double h_right_cm,
                                           double h_max_cm, double growth);
} // namespace dermatwin::fem

#endif
