// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/fem/skin_block.h>

#include "once_task.h"
#include "sparse_cholesky.h"

#include <deal.II/base/mpi.h>
#include <deal.II/base/quadrature_lib.h>
#include <deal.II/base/table.h>
#include <deal.II/distributed/grid_refinement.h>
#include <deal.II/distributed/solution_transfer.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/solver_cg.h>
#include <deal.II/lac/solver_control.h>
#include <deal.II/lac/trilinos_solver.h>
#include <deal.II/lac/trilinos_sparsity_pattern.h>
#include <deal.II/lac/vector.h>
#include <deal.II/numerics/data_out.h>
#include <deal.II/numerics/data_postprocessor.h>
#include <deal.II/numerics/vector_tools.h>

#include "block_mesh.h"
#include "cell_matrix_scatter.h"
#include "csr_product.h"
#include "projected_start.h"

#include <p4est_base.h>
#include <sc.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace dermatwin::fem
{
  using namespace dealii;
  namespace LA = TrilinosWrappers;

  namespace
  {
    /// dst = A src, through Epetra. (TrilinosWrappers::SparseMatrix::vmult is a
    /// template whose enable_if return type clang mangles differently from the
    /// GCC-built deal.II, so the sanitizer build could not link it.)
    void multiply(const LA::SparseMatrix &A, const LA::MPI::Vector &src, LA::MPI::Vector &dst)
    {
      if (A.trilinos_matrix().Multiply(false, src.trilinos_vector(), dst.trilinos_vector()) != 0)
        throw std::runtime_error("SkinBlock: Epetra matrix-vector product failed");
    }

    /// dst = src for two vectors of the locally owned DoFs (one layout; on
    /// one rank also the ghosted vector, which has no ghosts there). deal.II's
    /// operator= compares the vectors' Epetra communicator objects, which
    /// differ between any two vectors, and then builds an Epetra_Import for
    /// the copy: 0.5 ms at 110k DOFs, three times per step.
    void copy_owned(const LA::MPI::Vector &src, LA::MPI::Vector &dst)
    {
      const Epetra_MultiVector &from = src.trilinos_vector();
      Epetra_MultiVector       &to   = dst.trilinos_vector();
      if (from.MyLength() != to.MyLength() || from.GlobalLength() != to.GlobalLength())
        throw std::logic_error("SkinBlock: copy between vectors of different layouts");
      std::copy(from[0], from[0] + from.MyLength(), to[0]);
    }

    /// A functional on the owned DoFs by its nonzero entries (positions in
    /// the local array of a vector, and values).
    struct SparseFunctional
    {
      std::vector<unsigned int> at;
      std::vector<double>       value;

      SparseFunctional() = default;
      explicit SparseFunctional(const LA::MPI::Vector &dense)
      {
        const Epetra_MultiVector &v = dense.trilinos_vector();
        for (int k = 0; k < v.MyLength(); ++k)
          if (v[0][k] != 0.)
            at.push_back(k), value.push_back(v[0][k]);
      }

      /// l . u (collective), summed in the order of the entries: as a dense
      /// dot product in that order, without the zero terms.
      double operator()(const LA::MPI::Vector &u, const MPI_Comm comm) const
      {
        const double *x   = u.trilinos_vector()[0];
        double        sum = 0;
        for (std::size_t k = 0; k < at.size(); ++k)
          sum += value[k] * x[at[k]];
        return Utilities::MPI::n_mpi_processes(comm) == 1 ? sum : Utilities::MPI::sum(sum, comm);
      }
    };

    /// The matrix as SolverCG sees it: vmult through multiply() (see there).
    struct EpetraOperator
    {
      const LA::SparseMatrix &matrix;
      void vmult(LA::MPI::Vector &dst, const LA::MPI::Vector &src) const { multiply(matrix, src, dst); }
    };

    constexpr double pi = 3.14159265358979323846;

    /// The reference direction of @p cell that runs in depth (along z):
    /// the one whose edge from vertex 0 has the largest z share.
    template <int dim>
    unsigned int depth_direction(const typename DoFHandler<dim>::active_cell_iterator &cell)
    {
      unsigned int best = dim - 1;
      double       best_share = -1;
      for (unsigned int d = 0; d < dim; ++d)
        {
          const Tensor<1, dim> edge  = cell->vertex(1u << d) - cell->vertex(0);
          const double         share = std::abs(edge[dim - 1]) / edge.norm();
          if (share > best_share)
            best = d, best_share = share;
        }
      return best;
    }

    /// Values of the time-dependent terms (mass, uptake, amounts) and of the
    /// diffusion operator: Gauss-Lobatto points (the nodes, i.e. mass
    /// lumping) in the lateral directions, Gauss points in depth. Lateral
    /// lumping makes the lateral couplings of M + theta h A non-positive:
    /// with consistent (Gauss) mass the thin, wide cells of the stratum
    /// corneum couple lateral neighbours positively (entry ~ a / (6 b) for a
    /// cell of width a and height b), and the sharp front at a patch edge
    /// undershoots by >10 % of the patch concentration. In depth the terms stay
    /// those of the 1D column, so a laterally uniform solution is the 1D one
    /// exactly; the quadrature error is O(h^2) like the Galerkin one.
    template <int dim>
    class LaterallyLumpedValues
    {
    public:
      LaterallyLumpedValues(const FiniteElement<dim> &fe, const UpdateFlags flags)
      {
        const QGaussLobatto<1> lateral(fe.degree + 1);
        const QGauss<1>        depth(fe.degree + 1);
        for (unsigned int d = 0; d < dim; ++d)
          {
            std::array<Quadrature<1>, dim> q;
            for (unsigned int k = 0; k < dim; ++k)
              q[k] = k == d ? Quadrature<1>(depth) : Quadrature<1>(lateral);
            if constexpr (dim == 2)
              values_.push_back(std::make_unique<FEValues<dim>>(fe, QAnisotropic<2>(q[0], q[1]), flags));
            else
              values_.push_back(std::make_unique<FEValues<dim>>(fe, QAnisotropic<3>(q[0], q[1], q[2]), flags));
          }
      }

      const FEValues<dim> &reinit(const typename DoFHandler<dim>::active_cell_iterator &cell)
      {
        current_ = values_[depth_direction<dim>(cell)].get();
        current_->reinit(cell);
        if (dim == 2)
          {
            r_min_ = r_max_ = cell->vertex(0)[0];
            for (const auto v : cell->vertex_indices())
              r_min_ = std::min(r_min_, cell->vertex(v)[0]), r_max_ = std::max(r_max_, cell->vertex(v)[0]);
          }
        return *current_;
      }

      /// The integration weight of point q besides JxW: 1 in 3D; 2 pi r in the
      /// axisymmetric case, with Q1 at an effective radius (r_q + a + b) / 3 on
      /// a cell spanning [a, b] in r, so that each node's weight is the exact
      /// integral of its hat function times 2 pi r (higher degrees: the
      /// Gauss-Lobatto points integrate that exactly already). Plain 2 pi r_q
      /// would give a node on the axis no mass and no coupling in depth.
      double radial_weight(const unsigned int q) const
      {
        if (dim == 3)
          return 1.;
        const double r = current_->quadrature_point(q)[0];
        return 2 * pi * (current_->get_fe().degree == 1 ? (r + r_min_ + r_max_) / 3 : r);
      }

    private:
      std::vector<std::unique_ptr<FEValues<dim>>> values_;
      FEValues<dim>                              *current_ = nullptr;
      double                                      r_min_ = 0, r_max_ = 0;
    };

    /// CG stops at this residual reduction (relative to the right-hand
    /// side). Measured on the 3D two-patch case (25k DOFs, 248 steps) against
    /// 1e-11: mass balance 1.7e-12 instead of 4e-13 (target 1e-6), Cmax and
    /// the absorbed amount within 4e-11, 24 % fewer CG iterations; 1e-8 would
    /// save 36 % with a balance of 8e-11, but leaves less room under the 1e-8
    /// agreement of 1 and 2 MPI ranks.
    constexpr double solver_reduction = 1e-9;
    /// Increments kept for the CG start (ProjectedStart).
    constexpr unsigned int start_space_size = 8;

    void check_block_setup(const BlockSetup &s, const int dim)
    {
      s.layers.validate();
      if (s.initial_concentration_mg_per_cm3.size() != s.layers.n_layers())
        throw std::invalid_argument("block: one initial concentration per layer needed");
      const bool has_patch = s.layers.has_role(LayerRole::patch);
      if (has_patch && s.layers.first_with_role(LayerRole::patch) != 0)
        throw std::invalid_argument("block: the patch layer must be the outermost layer");
      if (has_patch && s.footprints.empty())
        throw std::invalid_argument("block: a patch layer needs at least one footprint");
      if (dim == 2 && s.footprints.size() > 1)
        throw std::invalid_argument("block: the axisymmetric block takes one patch");
      if (dim == 2 && !(s.domain_radius_cm > 0))
        throw std::invalid_argument("block: domain radius must be > 0");
      if (dim == 3 && !(s.domain_size_x_cm > 0 && s.domain_size_y_cm > 0))
        throw std::invalid_argument("block: domain size must be > 0");
      if (s.fe_degree < 1 || s.fe_degree > 4)
        throw std::invalid_argument("block: fe_degree must be 1..4");
      const LateralMeshOptions &m = s.lateral_mesh;
      if (!(m.edge_cell_cm > 0 && m.max_cell_cm >= m.edge_cell_cm && m.growth > 1))
        throw std::invalid_argument("block: lateral mesh sizes must be > 0 with growth > 1");
    }

    /// c = K u per layer, for the field output.
    template <int dim>
    class ConcentrationPostprocessor : public DataPostprocessorScalar<dim>
    {
    public:
      explicit ConcentrationPostprocessor(const LayerStack &layers)
        : DataPostprocessorScalar<dim>("concentration_mg_per_mL", update_values)
        , layers_(layers)
      {}
      void evaluate_scalar_field(const DataPostprocessorInputs::Scalar<dim> &inputs,
                                 std::vector<Vector<double>> &computed) const override
      {
        const auto   cell = inputs.template get_cell<dim>();
        const double K    = layers_[cell->material_id()].partition_coefficient;
        for (unsigned int q = 0; q < computed.size(); ++q)
          computed[q](0) = K * inputs.solution_values[q];
      }

    private:
      const LayerStack &layers_;
    };
  } // namespace

  double PatchFootprint::area_cm2() const
  {
    return round ? pi * radius_cm * radius_cm : size_x_cm * size_y_cm;
  }

  bool PatchFootprint::contains(const double x_cm, const double y_cm) const
  {
    const double dx = x_cm - center_x_cm, dy = y_cm - center_y_cm;
    if (round)
      return dx * dx + dy * dy <= radius_cm * radius_cm;
    return std::abs(dx) <= 0.5 * size_x_cm && std::abs(dy) <= 0.5 * size_y_cm;
  }

  std::pair<double, double> PatchFootprint::extent_cm(const unsigned int axis) const
  {
    const double c    = axis == 0 ? center_x_cm : center_y_cm;
    const double half = round ? radius_cm : 0.5 * (axis == 0 ? size_x_cm : size_y_cm);
    return {c - half, c + half};
  }

  void ensure_mpi_initialized()
  {
    // Once per process, also when several threads start multi-D runs.
    static std::once_flag once;
    std::call_once(once, [] {
      int initialized = 0;
      MPI_Initialized(&initialized);
      if (!initialized)
        {
          // Not started by mpirun (whose ranks would have MPI_Init'ed
          // already): a singleton that only talks to itself. Open MPI would
          // otherwise probe UCX and spawn an orted daemon, 0.3 s per run on
          // Debian 12. Settings the user made in the environment win.
          if (std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr)
            {
              setenv("OMPI_MCA_ess_singleton_isolated", "1", 0);
              setenv("OMPI_MCA_pml", "ob1", 0);
              setenv("OMPI_MCA_btl", "self", 0);
            }
          int provided = 0;
          MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided);
          std::atexit([] {
            int finalized = 0;
            MPI_Finalized(&finalized);
            if (!finalized)
              MPI_Finalize();
          });
        }
      // As deal.II's MPI_InitFinalize: quiet p4est logging.
      sc_init(MPI_COMM_WORLD, 0, 0, nullptr, SC_LP_SILENT);
      p4est_init(nullptr, SC_LP_SILENT);
    });
  }

  std::vector<double> graded_lateral_sizes(const double length_cm, const double h_left_cm,
                                           const double h_right_cm, const double h_max_cm,
                                           const double growth)
  {
    // Target size grows linearly with the distance d from a refined end,
    // h = h_end + (growth - 1) d (a geometric sequence of cells), capped at
    // h_max; the cell faces equidistribute the integral of 1/h.
    auto target = [&](const double x) {
      double h = h_max_cm;
      if (h_left_cm > 0)
        h = std::min(h, h_left_cm + (growth - 1) * x);
      if (h_right_cm > 0)
        h = std::min(h, h_right_cm + (growth - 1) * (length_cm - x));
      return h;
    };
    const unsigned int  n_samples = 4000;
    std::vector<double> cumulative(n_samples + 1, 0.);
    const double        dx = length_cm / n_samples;
    for (unsigned int i = 0; i < n_samples; ++i)
      cumulative[i + 1] = cumulative[i] + dx / target((i + 0.5) * dx);
    const unsigned int  n_cells = std::max(1., std::ceil(cumulative.back() - 1e-9));
    std::vector<double> faces{0.};
    unsigned int        j = 0;
    for (unsigned int c = 1; c < n_cells; ++c)
      {
        const double level = cumulative.back() * c / n_cells;
        while (cumulative[j + 1] < level)
          ++j;
        const double s = (level - cumulative[j]) / (cumulative[j + 1] - cumulative[j]);
        faces.push_back((j + s) * dx);
      }
    faces.push_back(length_cm);
    std::vector<double> sizes;
    for (std::size_t i = 0; i + 1 < faces.size(); ++i)
      sizes.push_back(faces[i + 1] - faces[i]);
    return sizes;
  }

  namespace
  {
    /// Adds @p indices (any order, repeats allowed) to @p set at once:
    /// adding them cell by cell makes the IndexSet insert ranges in the
    /// middle of its list (quadratic; half of the assembly time at 200k
    /// cells).
    void add_all(IndexSet &set, std::vector<types::global_dof_index> &indices)
    {
      std::sort(indices.begin(), indices.end());
      indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
      set.add_indices(indices.begin(), indices.end());
      set.compress();
    }
  } // namespace

  template <int dim>
  struct SkinBlock<dim>::System
  {
    LA::SparseMatrix     matrix;
    LA::PreconditionAMG  amg;
    /// Axisymmetric: sparse direct factorisation, reused for every step of
    /// this size: Cholesky (CHOLMOD) on one rank, LU (KLU, gathered on one
    /// rank by Amesos) on several. The thin, stiff SC next to the soft
    /// dermis (K D and K varying by 10^4, cells 100:1 anisotropic) makes
    /// smoothed aggregation AMG slow (about 40 CG iterations per step).
    /// The Cholesky factor is computed on first use, or ahead by the
    /// worker of prepare_steps.
    std::shared_ptr<internal::OnceTask<internal::SparseCholesky>> cholesky;
    SolverControl                      direct_control;
    std::unique_ptr<LA::SolverDirect>  direct;
    unsigned long        last_use = 0;
  };

  template <int dim>
  struct SkinBlock<dim>::SparseFunctionals
  {
    SparseFunctional              uptake, rate_in, rate_out;
    std::vector<SparseFunctional> role_amount, region_amount;
  };

  template <int dim>
  SkinBlock<dim>::SkinBlock(const BlockSetup &setup)
    : setup_((check_block_setup(setup, dim), setup))
    , triangulation_(setup.communicator)
    , fe_(setup.fe_degree)
    , dof_handler_(triangulation_)
    , applied_(setup.footprints.size(), false)
    , dissolving_(setup.footprints.size(), false)
    , dispersion_(setup.footprints.size())
    , dispersed_mg_(setup.footprints.size(), 0.)
  {
    make_mesh();
    setup_dofs();
    assemble_configuration();

    // Initial state: the Dirichlet donor value on the top face, and the
    // layers' initial concentrations (amount-exact projection).
    top_potential_ = setup_.fixed_top_concentration ?
                       setup_.donor_concentration_mg_per_cm3 / setup_.donor_vehicle_partition_coeff :
                       0.;
    u_ = 0.;
    if (setup_.fixed_top_concentration)
      for (const auto i : top_dofs_)
        if (owned_.is_element(i))
          u_[i] = top_potential_;
    u_.compress(VectorOperation::insert);
    update_ghosts();
    project([&](const auto &cell) -> double {
      const unsigned int l = cell->material_id();
      return setup_.layers[l].role == LayerRole::patch ? -1. :
                                                         setup_.initial_concentration_mg_per_cm3[l];
    });
    // Imposing the donor concentration puts drug into the skin at t = 0.
    if (setup_.fixed_top_concentration)
      for (const LA::MPI::Vector &amount : role_amount_)
        entered_mg_ += amount * u_;
  }

  template <int dim>
  SkinBlock<dim>::~SkinBlock()
  {
    stop_workers(true);
  }

  template <int dim>
  bool SkinBlock<dim>::uses_cholesky() const
  {
    return dim == 2 && Utilities::MPI::n_mpi_processes(setup_.communicator) == 1;
  }

  template <int dim>
  void SkinBlock<dim>::stop_workers(const bool wait) const
  {
    // Tasks not started stay with their systems (run on first use).
    prepared_.clear();
    for (auto &[worker, stop] : workers_)
      {
        *stop = true;
        if (wait)
          worker.wait();
      }
    workers_.erase(std::remove_if(workers_.begin(), workers_.end(),
                                  [](const auto &w) {
                                    return w.first.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
                                  }),
                   workers_.end());
  }

  template <int dim>
  void SkinBlock<dim>::prepare_steps(const std::vector<std::pair<double, bool>> &steps)
  {
    if (!uses_cholesky() || std::thread::hardware_concurrency() < 2)
      return;
    std::vector<std::shared_ptr<internal::OnceTask<internal::SparseCholesky>>> tasks;
    for (const auto &[h_h, implicit_euler] : steps)
      if (const System &s = system((implicit_euler ? 1. : 0.5) * h_h); s.cholesky)
        if (std::find(tasks.begin(), tasks.end(), s.cholesky) == tasks.end())
          tasks.push_back(s.cholesky);
    // A worker factorises them in order (any earlier worker stops after its
    // current factorisation). It holds them weakly: a released step's
    // factorisation is freed at once, not when the worker ends.
    stop_workers(false);
    auto stop = std::make_shared<std::atomic<bool>>(false);
    std::vector<std::weak_ptr<internal::OnceTask<internal::SparseCholesky>>> queue(tasks.begin(), tasks.end());
    workers_.emplace_back(std::async(std::launch::async,
                                     [queue = std::move(queue), stop] {
                                       for (const auto &weak : queue)
                                         if (*stop)
                                           break;
                                         else if (const auto task = weak.lock())
                                           task->try_run();
                                     }),
                          stop);
    prepared_ = std::move(tasks);
  }

  template <int dim>
  void SkinBlock<dim>::release_step(const double h_h, const bool implicit_euler)
  {
    const auto found = systems_.find((implicit_euler ? 1. : 0.5) * h_h);
    if (found == systems_.end())
      return;
    if (const auto &task = found->second->cholesky)
      prepared_.erase(std::remove(prepared_.begin(), prepared_.end(), task), prepared_.end());
    systems_.erase(found);
  }

  template <int dim>
  double SkinBlock<dim>::weight(const Point<dim> &p) const
  {
    return dim == 2 ? 2 * pi * p[0] : 1.;
  }

  template <int dim>
  int SkinBlock<dim>::region_of(const typename Triangulation<dim>::cell_iterator &cell) const
  {
    // The region of the coarse ancestor: refined cells keep exactly the
    // coarse patch regions (the polygons of round patches in 3D).
    typename Triangulation<dim>::cell_iterator coarse = cell;
    while (coarse->level() > 0)
      coarse = coarse->parent();
    return coarse_region_.at(coarse->index());
  }

  template <int dim>
  bool SkinBlock<dim>::cell_active(const typename DoFHandler<dim>::active_cell_iterator &cell) const
  {
    const int region = region_of(cell);
    return setup_.layers[cell->material_id()].role != LayerRole::patch ||
           (region >= 0 && applied_[region]);
  }

  template <int dim>
  void SkinBlock<dim>::make_mesh()
  {
    // Created directly in the distributed triangulation (no serial copy);
    // it keeps the coarse cells and their order (coarse_region_ indices).
    coarse_region_ = internal::make_coarse_block_mesh(setup_, triangulation_);
    triangulation_.refine_global(setup_.global_refinements);
  }

  template <int dim>
  void SkinBlock<dim>::setup_dofs()
  {
    dof_handler_.distribute_dofs(fe_);
    owned_ = dof_handler_.locally_owned_dofs();
    DoFTools::extract_locally_relevant_dofs(dof_handler_, relevant_);
    hanging_.clear();
    hanging_.reinit(relevant_);
    DoFTools::make_hanging_node_constraints(dof_handler_, hanging_);
    hanging_.close();
    // The cell couplings (for the unconstrained operator) and those that
    // condensing hanging nodes adds.
    pattern_.reinit(owned_, owned_, relevant_, setup_.communicator);
    DoFTools::make_sparsity_pattern(dof_handler_, pattern_, hanging_, true,
                                    Utilities::MPI::this_mpi_process(setup_.communicator));
    pattern_.compress();
    stop_workers(false);
    start_cholesky_analysis(); // a new pattern needs a new ordering
    u_.reinit(owned_, setup_.communicator);
    ghosted_.reinit(owned_, relevant_, setup_.communicator);
    for (LA::MPI::Vector *v : {&step_rhs_, &step_delta_, &step_u_theta_, &operator_u_, &rates_residual_})
      v->reinit(owned_, setup_.communicator);
    operator_u_ready_ = false;
    to_blood_ready_   = false;

    // DoFs on the top face (z = 0) and the bottom face.
    const double thickness = setup_.layers.total_thickness_cm();
    top_dofs_.set_size(dof_handler_.n_dofs());
    bottom_dofs_.set_size(dof_handler_.n_dofs());
    std::vector<types::global_dof_index> face_dofs(fe_.n_dofs_per_face()), top, bottom;
    for (const auto &cell : dof_handler_.active_cell_iterators())
      if (!cell->is_artificial())
        for (const auto f : cell->face_indices())
          if (cell->face(f)->at_boundary())
            {
              const double z = cell->face(f)->center()[dim - 1];
              const bool   is_top = std::abs(z) < 1e-9 * thickness;
              const bool   is_bottom = std::abs(z + thickness) < 1e-9 * thickness;
              if (!is_top && !is_bottom)
                continue;
              cell->face(f)->get_dof_indices(face_dofs);
              auto &list = is_top ? top : bottom;
              list.insert(list.end(), face_dofs.begin(), face_dofs.end());
            }
    add_all(top_dofs_, top);
    add_all(bottom_dofs_, bottom);

    // Volume of each patch region as meshed.
    patch_volume_cm3_.assign(setup_.footprints.size(), 0.);
    const QGauss<dim> quadrature(fe_.degree + 1);
    FEValues<dim>     fe_values(fe_, quadrature, update_quadrature_points | update_JxW_values);
    for (const auto &cell : dof_handler_.active_cell_iterators())
      if (cell->is_locally_owned())
        if (const int region = region_of(cell); region >= 0)
          {
            fe_values.reinit(cell);
            for (unsigned int q = 0; q < quadrature.size(); ++q)
              patch_volume_cm3_[region] += weight(fe_values.quadrature_point(q)) * fe_values.JxW(q);
          }
    for (double &v : patch_volume_cm3_)
      v = Utilities::MPI::sum(v, setup_.communicator);
  }

  template <int dim>
  void SkinBlock<dim>::assemble_configuration()
  {
    const MPI_Comm comm = setup_.communicator;
    // DoFs taking part: those of active cells (owned and ghost cells see
    // every cell around a locally active DoF).
    active_dofs_.clear();
    active_dofs_.set_size(dof_handler_.n_dofs());
    std::vector<types::global_dof_index> dofs(fe_.n_dofs_per_cell()), active;
    for (const auto &cell : dof_handler_.active_cell_iterators())
      if (!cell->is_artificial() && cell_active(cell))
        {
          cell->get_dof_indices(dofs);
          active.insert(active.end(), dofs.begin(), dofs.end());
        }
    add_all(active_dofs_, active);

    IndexSet locally_active;
    DoFTools::extract_locally_active_dofs(dof_handler_, locally_active);
    constraints_.clear();
    constraints_.reinit(relevant_);
    constraints_.merge(hanging_);
    auto constrain = [&](const types::global_dof_index i) {
      if (!constraints_.is_constrained(i))
        constraints_.add_line(i);
    };
    for (const auto i : locally_active)
      if (!active_dofs_.is_element(i))
        constrain(i);
    if (setup_.fixed_top_concentration)
      for (const auto i : top_dofs_)
        if (locally_active.is_element(i))
          constrain(i);
    if (setup_.sink_bottom)
      for (const auto i : bottom_dofs_)
        if (locally_active.is_element(i))
          constrain(i);
    constraints_.close();
    // Positions in the owned part of a vector (its local array).
    frozen_owned_.clear();
    active_owned_.clear();
    for (const auto i : owned_)
      (active_dofs_.is_element(i) ? active_owned_ : frozen_owned_).push_back(owned_.index_within_set(i));
    hanging_rows_.clear();
    constrained_owned_.clear();
    for (const auto i : owned_)
      if (constraints_.is_constrained(i))
        {
          constrained_owned_.push_back(owned_.index_within_set(i));
          if (const auto *entries = constraints_.get_constraint_entries(i); entries != nullptr && !entries->empty())
            hanging_rows_.emplace_back(i, entries);
        }
    has_hanging_ = Utilities::MPI::logical_or(!hanging_rows_.empty(), comm);

    operator_full_.reinit(pattern_);
    operator_u_ready_ = false;
    to_blood_ready_   = false;
    mass_c_.reinit(pattern_);
    operator_c_.reinit(pattern_);
    for (LA::MPI::Vector *v :
         {&mass_top_, &operator_top_, &mass_bottom_, &operator_bottom_, &uptake_, &source_})
      v->reinit(owned_, comm);
    source_total_mg_per_h_.assign(setup_.footprints.size(), 0.);
    // reinit (not copies of one vector): a copy keeps the last write mode,
    // and an element += after an insert is a collective GlobalAssemble.
    role_amount_.resize(4);
    region_amount_.resize(setup_.footprints.size());
    for (auto *functionals : {&role_amount_, &region_amount_})
      for (LA::MPI::Vector &v : *functionals)
        v.reinit(owned_, comm);
    rate_weights_ready_ = false;

    LaterallyLumpedValues<dim> lumped_values(fe_,
                                             update_values | update_gradients | update_quadrature_points |
                                               update_JxW_values);
    const unsigned int n = fe_.n_dofs_per_cell();
    FullMatrix<double> mass(n, n), op(n, n);
    Vector<double>     uptake(n), amount(n), source(n);
    // On one rank without hanging nodes (every constraint a homogeneous
    // line) the cell matrices go straight into the CSR rows: the same sums
    // as the deal.II calls below, in the same order, without Epetra's map
    // lookups for every entry of every matrix.
    std::optional<internal::CellMatrixScatter> scatter;
    if (!has_hanging_)
      scatter = internal::CellMatrixScatter::create({&operator_full_, &mass_c_, &operator_c_});
    std::vector<bool> constrained;
    if (scatter)
      {
        constrained.resize(dof_handler_.n_dofs());
        for (types::global_dof_index i = 0; i < constrained.size(); ++i)
          constrained[i] = constraints_.is_constrained(i);
      }
    // Functionals: complete sums for the owned DoFs from owned and ghost cells.
    auto add_owned = [&](LA::MPI::Vector &v, const types::global_dof_index i, const double x) {
      if (owned_.is_element(i))
        v[i] += x;
    };
    for (const auto &cell : dof_handler_.active_cell_iterators())
      {
        if (cell->is_artificial() || !cell_active(cell))
          continue;
        const FEValues<dim> &fe_values = lumped_values.reinit(cell);
        cell->get_dof_indices(dofs);
        const unsigned int l     = cell->material_id();
        const Layer       &layer = setup_.layers[l];
        const double K = layer.partition_coefficient, D = layer.diffusivity_cm2_per_h * scales_.diffusivity_factor(l),
                     k = layer.blood_uptake_rate_per_h * scales_.blood_uptake_factor(l);
        // Dispersed drug dissolving in this cell: f = r (S - K u).
        const int    region      = region_of(cell);
        const bool   dissolves   = region >= 0 && dissolving_[region];
        const double r_per_h     = dissolves ? dispersion_[region].dissolution_rate_per_h : 0.;
        const double r_S_per_h   = dissolves ? r_per_h * dispersion_[region].solubility_mg_per_cm3 : 0.;
        mass = 0., op = 0., uptake = 0., amount = 0., source = 0.;
        for (unsigned int q = 0; q < fe_values.n_quadrature_points; ++q)
          {
            const double w = lumped_values.radial_weight(q) * fe_values.JxW(q);
            for (unsigned int i = 0; i < n; ++i)
              {
                const double phi_i = fe_values.shape_value(i, q);
                uptake(i) += k * K * phi_i * w;
                amount(i) += K * phi_i * w;
                source(i) += r_S_per_h * phi_i * w;
                for (unsigned int j = 0; j < n; ++j)
                  {
                    const double m = K * phi_i * fe_values.shape_value(j, q) * w;
                    mass(i, j) += m;
                    op(i, j) += (k + r_per_h) * m +
                                K * D * (fe_values.shape_grad(i, q) * fe_values.shape_grad(j, q)) * w;
                  }
              }
          }
        for (unsigned int i = 0; i < n; ++i)
          {
            add_owned(uptake_, dofs[i], uptake(i));
            add_owned(role_amount_[int(layer.role)], dofs[i], amount(i));
            if (region >= 0)
              add_owned(region_amount_[region], dofs[i], amount(i));
            if (dissolves)
              add_owned(source_, dofs[i], source(i));
            for (unsigned int j = 0; j < n; ++j)
              {
                if (setup_.fixed_top_concentration)
                  if (const double e = face_weight(dofs[j], top_dofs_); e != 0)
                    add_owned(mass_top_, dofs[i], e * mass(i, j)), add_owned(operator_top_, dofs[i], e * op(i, j));
                if (setup_.sink_bottom)
                  if (const double e = face_weight(dofs[j], bottom_dofs_); e != 0)
                    add_owned(mass_bottom_, dofs[i], e * mass(i, j)),
                      add_owned(operator_bottom_, dofs[i], e * op(i, j));
              }
          }
        if (cell->is_locally_owned())
          {
            if (dissolves)
              for (const double f : source)
                source_total_mg_per_h_[region] += f;
            if (scatter)
              {
                scatter->locate(dofs);
                scatter->add(0, op);
                scatter->add_constrained(1, mass, constrained);
                scatter->add_constrained(2, op, constrained);
              }
            else
              {
                operator_full_.add(dofs, op);
                constraints_.distribute_local_to_global(mass, dofs, mass_c_);
                constraints_.distribute_local_to_global(op, dofs, operator_c_);
              }
          }
      }
    for (LA::SparseMatrix *m : {&operator_full_, &mass_c_, &operator_c_})
      m->compress(VectorOperation::add);
    operator_product_ = internal::CsrProduct::create(operator_full_.trilinos_matrix());
    for (LA::MPI::Vector *v :
         {&mass_top_, &operator_top_, &mass_bottom_, &operator_bottom_, &uptake_, &source_})
      v->compress(VectorOperation::insert);
    for (double &total : source_total_mg_per_h_)
      total = Utilities::MPI::sum(total, comm);
    for (auto *functionals : {&role_amount_, &region_amount_})
      for (LA::MPI::Vector &v : *functionals)
        v.compress(VectorOperation::insert);
    sparse_         = std::make_unique<SparseFunctionals>();
    sparse_->uptake = SparseFunctional(uptake_);
    for (const LA::MPI::Vector &v : role_amount_)
      sparse_->role_amount.emplace_back(v);
    for (const LA::MPI::Vector &v : region_amount_)
      sparse_->region_amount.emplace_back(v);
    to_blood_ready_ = false;
    // DoFs of no active cell (a removed or not yet applied patch) are frozen.
    for (const auto i : owned_)
      if (!active_dofs_.is_element(i))
        mass_c_.set(i, i, 1.);
    mass_c_.compress(VectorOperation::insert);
    mass_jacobi_.initialize(mass_c_);
    stop_workers(false);
    systems_.clear();
    mass_lower_.reset(), operator_lower_.reset();
    if (!projected_start_)
      projected_start_ = std::make_unique<internal::ProjectedStart>(start_space_size);
    projected_start_->clear();
    start_key_ = -1;
  }

  template <int dim>
  const typename SkinBlock<dim>::System &SkinBlock<dim>::system(const double theta_h) const
  {
    auto found = systems_.find(theta_h);
    if (found != systems_.end())
      {
        found->second->last_use = ++use_count_;
        return *found->second;
      }
    // Keep the few matrices in use (largest step, mass matrix for rates, the
    // start-up ladder in 2D): drop the least recently used one.
    if (systems_.size() >= (dim == 2 ? 8u : 4u))
      systems_.erase(std::min_element(systems_.begin(), systems_.end(), [](const auto &a, const auto &b) {
        return a.second->last_use < b.second->last_use;
      }));
    auto s = std::make_unique<System>();
    s->last_use = ++use_count_;
    if (uses_cholesky() && theta_h >= 0)
      {
        // M + theta_h A combined in the factoriser's own arrays (the lower
        // triangles of M and A are copied once per configuration).
        if (!mass_lower_)
          {
            mass_lower_     = std::make_shared<const internal::LowerTriangle>(mass_c_.trilinos_matrix());
            operator_lower_ = std::make_shared<const internal::LowerTriangle>(operator_c_.trilinos_matrix());
          }
        s->cholesky = cholesky_task(std::make_shared<const internal::LowerTriangle>(*mass_lower_, theta_h, *operator_lower_));
        return *systems_.emplace(theta_h, std::move(s)).first->second;
      }
    s->matrix.reinit(pattern_);
    if (theta_h < 0) // the operator alone (steady problems)
      s->matrix.copy_from(operator_c_);
    else
      {
        s->matrix.copy_from(mass_c_);
        if (theta_h > 0)
          s->matrix.add(theta_h, operator_c_);
      }
    for (const auto i : owned_)
      if (!active_dofs_.is_element(i) && theta_h < 0)
        s->matrix.set(i, i, 1.);
    s->matrix.compress(VectorOperation::insert);
    if (uses_cholesky())
      {
        s->cholesky = cholesky_task(std::make_shared<const internal::LowerTriangle>(s->matrix.trilinos_matrix()));
        s->matrix.clear();
        return *systems_.emplace(theta_h, std::move(s)).first->second;
      }
    if (dim == 2)
      {
        s->direct = std::make_unique<LA::SolverDirect>(
          s->direct_control, LA::SolverDirect::AdditionalData(false, "Amesos_Klu"));
        s->direct->initialize(s->matrix);
        s->last_use = ++use_count_;
        return *systems_.emplace(theta_h, std::move(s)).first->second;
      }
    LA::PreconditionAMG::AdditionalData data;
    data.elliptic              = true;
    data.higher_order_elements = fe_.degree > 1;
    data.smoother_sweeps       = 2;
    data.aggregation_threshold = 0.02;
    s->amg.initialize(s->matrix, data);
    return *systems_.emplace(theta_h, std::move(s)).first->second;
  }

  template <int dim>
  void SkinBlock<dim>::start_cholesky_analysis()
  {
    analysis_.reset();
    if (!uses_cholesky())
      return;
    // The ordering is geometric nested dissection from the DoF support
    // points: as little fill as CHOLMOD's METIS-based one on these meshes in
    // a third of the time, and free of random numbers (METIS draws from the
    // C library's rand(), which Epetra also calls for every new vector, so
    // it cannot run beside this thread). The pattern and the points are
    // copied here (Epetra and deal.II stay on this thread).
    std::map<types::global_dof_index, Point<dim>> support;
    DoFTools::map_dofs_to_support_points(MappingQ1<dim>(), dof_handler_, support);
    std::vector<std::array<double, 2>> points(support.size());
    for (const auto &[i, x] : support)
      points[i] = {{x[0], x[1]}};
    auto pattern = std::make_shared<const internal::LowerTriangle>(pattern_.trilinos_sparsity_pattern());
    analysis_    = std::make_shared<internal::OnceTask<const internal::CholeskyAnalysis>>(
      [pattern, points = std::move(points)] {
        return std::make_shared<const internal::CholeskyAnalysis>(*pattern, points);
      });
    if (std::thread::hardware_concurrency() > 1)
      workers_.emplace_back(std::async(std::launch::async, [analysis = analysis_] { analysis->try_run(); }),
                            std::make_shared<std::atomic<bool>>(false));
  }

  template <int dim>
  std::shared_ptr<internal::OnceTask<internal::SparseCholesky>>
  SkinBlock<dim>::cholesky_task(std::shared_ptr<const internal::LowerTriangle> lower) const
  {
    // The lower triangle is copied on this thread (Epetra stays here); the
    // factorisation may run on the worker of prepare_steps, after the
    // analysis (waiting for it, or running it if no worker has started it).
    // On demand (a step waits for it, no worker runs it) it takes two threads.
    return std::make_shared<internal::OnceTask<internal::SparseCholesky>>(
      std::function<std::shared_ptr<internal::SparseCholesky>(bool)>(
        [lower, analysis = analysis_](const bool on_demand) {
          return std::make_shared<internal::SparseCholesky>(*lower, *analysis->get(), on_demand);
        }));
  }

  template <int dim>
  unsigned int SkinBlock<dim>::solve(const System &s, LA::MPI::Vector &x, const LA::MPI::Vector &b,
                                     const bool start_from_x) const
  {
    const double norm = b.l2_norm();
    if (!start_from_x || norm == 0.)
      x = 0.;
    if (norm == 0.)
      return 0;
    if (s.cholesky || s.direct)
      {
        if (s.cholesky)
          {
            // While the worker factorises this one, factorise the next
            // prepared one here rather than wait.
            if (s.cholesky->running())
              for (const auto &task : prepared_)
                if (task != s.cholesky && task->try_run())
                  break;
            s.cholesky->get()->solve(b.trilinos_vector(), x.trilinos_vector());
          }
        else
          s.direct->solve(x, b);
        last_iterations_ = 1;
        ++total_iterations_;
        return 1;
      }
    SolverControl                control(5000, solver_reduction * norm);
    SolverCG<LA::MPI::Vector>    cg(control);
    cg.solve(EpetraOperator{s.matrix}, x, b, s.amg);
    last_iterations_ = control.last_step();
    total_iterations_ += control.last_step();
    return control.last_step();
  }

  template <int dim>
  void SkinBlock<dim>::solve_mass(LA::MPI::Vector &x, const LA::MPI::Vector &b) const
  {
    // The mass matrix is well conditioned once scaled by its diagonal (K
    // jumps between layers are diagonal scaling): a few dozen CG iterations,
    // much cheaper than factorising it.
    x = 0.;
    const double norm = b.l2_norm();
    if (norm == 0.)
      return;
    SolverControl             control(5000, 1e-2 * solver_reduction * norm);
    SolverCG<LA::MPI::Vector> cg(control);
    cg.solve(EpetraOperator{mass_c_}, x, b, mass_jacobi_);
  }

  template <int dim>
  void SkinBlock<dim>::update_ghosts()
  {
    if (Utilities::MPI::n_mpi_processes(setup_.communicator) == 1)
      copy_owned(u_, ghosted_);
    else
      ghosted_ = u_;
    operator_u_ready_ = false;
    to_blood_ready_   = false;
  }

  template <int dim>
  const LA::MPI::Vector &SkinBlock<dim>::operator_times_u() const
  {
    if (!operator_u_ready_)
      {
        if (operator_product_)
          operator_product_->multiply(u_.trilinos_vector(), operator_u_.trilinos_vector());
        else
          multiply(operator_full_, u_, operator_u_);
        operator_u_ready_ = true;
      }
    return operator_u_;
  }

  template <int dim>
  void SkinBlock<dim>::zero_frozen(LA::MPI::Vector &v) const
  {
    zero_at(frozen_owned_, v);
  }

  template <int dim>
  void SkinBlock<dim>::condense(LA::MPI::Vector &v) const
  {
    if (has_hanging_)
      {
        // Rows of hanging nodes go to their masters (possibly on other ranks).
        LA::MPI::Vector                      moved(owned_, setup_.communicator);
        std::vector<types::global_dof_index> rows;
        std::vector<double>                  values;
        for (const auto &[i, entries] : hanging_rows_)
          for (const auto &[j, w] : *entries)
            rows.push_back(j), values.push_back(w * v[i]);
        moved.add(rows, values);
        moved.compress(VectorOperation::add);
        v += moved;
        constraints_.set_zero(v);
      }
    else // every constrained DoF is a homogeneous line: set the entries to 0 directly
      zero_at(constrained_owned_, v);
  }

  template <int dim>
  void SkinBlock<dim>::distribute_increment(LA::MPI::Vector &delta) const
  {
    if (has_hanging_)
      constraints_.distribute(delta);
    else
      zero_at(constrained_owned_, delta);
  }

  template <int dim>
  void SkinBlock<dim>::zero_at(const std::vector<unsigned int> &positions, LA::MPI::Vector &v) const
  {
    double *values = v.trilinos_vector()[0];
    for (const auto k : positions)
      values[k] = 0.;
  }

  template <int dim>
  double SkinBlock<dim>::face_weight(const types::global_dof_index j, const IndexSet &face_dofs) const
  {
    // The hanging-node weights before merging with the Dirichlet lines
    // (closing constraints_ drops masters that are Dirichlet DoFs).
    if (const auto *entries = hanging_.get_constraint_entries(j); entries != nullptr && !entries->empty())
      {
        double weight = 0;
        for (const auto &[k, w] : *entries)
          if (face_dofs.is_element(k))
            weight += w;
        return weight;
      }
    return face_dofs.is_element(j) ? 1. : 0.;
  }

  template <int dim>
  void SkinBlock<dim>::project(const std::function<double(const typename DoFHandler<dim>::active_cell_iterator &)> &new_concentration,
                               const bool increment)
  {
    // delta solves M delta = (c_new - K u, phi) over the cells that get a new
    // concentration: the amount afterwards is exactly the old one outside
    // these cells plus the integral of c_new inside. The quadrature is that
    // of M, so with M lumped laterally the projection does not spread
    // laterally, and in depth it is the 1D column's projection.
    LA::MPI::Vector    rhs(owned_, setup_.communicator), delta(owned_, setup_.communicator);
    LaterallyLumpedValues<dim> lumped_values(fe_, update_values | update_quadrature_points | update_JxW_values);
    const unsigned int n = fe_.n_dofs_per_cell();
    Vector<double>     local(n);
    std::vector<double> u_q;
    std::vector<types::global_dof_index> dofs(n);
    bool any = false;
    for (const auto &cell : dof_handler_.active_cell_iterators())
      if (cell->is_locally_owned() && cell_active(cell))
        {
          const double c_new = new_concentration(cell);
          if (c_new < 0 && !increment)
            continue;
          const FEValues<dim> &fe_values = lumped_values.reinit(cell);
          u_q.resize(fe_values.n_quadrature_points);
          fe_values.get_function_values(ghosted_, u_q);
          const double K = setup_.layers[cell->material_id()].partition_coefficient;
          local = 0.;
          for (unsigned int q = 0; q < fe_values.n_quadrature_points; ++q)
            for (unsigned int i = 0; i < n; ++i)
              local(i) += (increment ? c_new : c_new - K * u_q[q]) * fe_values.shape_value(i, q) *
                          lumped_values.radial_weight(q) * fe_values.JxW(q);
          cell->get_dof_indices(dofs);
          constraints_.distribute_local_to_global(local, dofs, rhs);
          any = any || c_new != 0;
        }
    rhs.compress(VectorOperation::add);
    if (!Utilities::MPI::logical_or(any, setup_.communicator))
      return;
    solve_mass(delta, rhs);
    constraints_.distribute(delta);
    zero_frozen(delta);
    u_ += delta;
    update_ghosts();
  }

  template <int dim>
  void SkinBlock<dim>::apply_patch(const unsigned int p, const double c0, const DispersedDrug &dispersed)
  {
    apply_patches({PatchApplication{p, c0, dispersed}});
  }

  template <int dim>
  void SkinBlock<dim>::apply_patches(const std::vector<PatchApplication> &applications)
  {
    // All checked before any is applied.
    std::vector<double> concentration(setup_.footprints.size(), -1.); // per region; -1: not applied now
    for (const PatchApplication &a : applications)
      {
        const double        c0        = a.concentration_mg_per_cm3;
        const DispersedDrug &dispersed = a.dispersed;
        if (!(c0 >= 0) || !std::isfinite(c0))
          throw std::invalid_argument("apply_patch: concentration must be finite and >= 0");
        if (!(std::isfinite(dispersed.amount_mg) && dispersed.amount_mg >= 0))
          throw std::invalid_argument("apply_patch: dispersed drug must be finite and >= 0");
        if (dispersed.amount_mg > 0 &&
            !(dispersed.solubility_mg_per_cm3 > 0 && std::isfinite(dispersed.solubility_mg_per_cm3) &&
              dispersed.dissolution_rate_per_h > 0 && std::isfinite(dispersed.dissolution_rate_per_h)))
          throw std::invalid_argument(
            "apply_patch: dispersed drug needs a solubility > 0 and a dissolution rate > 0");
        if (applied_.at(a.patch) || concentration[a.patch] >= 0)
          throw std::logic_error("apply_patch: patch already on the skin");
        concentration[a.patch] = c0;
      }
    if (applications.empty())
      return;
    // Frozen DoFs of the regions hold no drug (they are zero until now).
    for (const PatchApplication &a : applications)
      {
        applied_[a.patch]      = true;
        dispersion_[a.patch]   = a.dispersed;
        dispersed_mg_[a.patch] = a.dispersed.amount_mg;
        dissolving_[a.patch]   = a.dispersed.amount_mg > 0;
      }
    assemble_configuration();
    // On an adapted mesh, DoFs of the regions that hang on the skin's nodes
    // take part from now on: give them their constrained values.
    hanging_.distribute(u_);
    zero_frozen(u_);
    update_ghosts();
    project([&](const auto &cell) {
      const int region = region_of(cell);
      return region >= 0 ? concentration[region] : -1.;
    });
  }

  template <int dim>
  double SkinBlock<dim>::remove_patch(const unsigned int p)
  {
    return remove_patches({p}).front();
  }

  template <int dim>
  std::vector<double> SkinBlock<dim>::remove_patches(const std::vector<unsigned int> &patches)
  {
    std::vector<double> removed;
    std::vector<bool>   taken_off(setup_.footprints.size(), false);
    for (const unsigned int p : patches)
      {
        if (!applied_.at(p) || taken_off[p])
          throw std::logic_error("remove_patch: patch not on the skin");
        taken_off[p] = true;
        removed.push_back(patch_amount_mg(p) + dispersed_mg_[p]);
      }
    if (patches.empty())
      return removed;
    for (const unsigned int p : patches)
      {
        applied_[p]      = false;
        dissolving_[p]   = false;
        dispersed_mg_[p] = 0;
      }
    assemble_configuration();
    // The regions' own DoFs leave with the patches.
    zero_frozen(u_);
    update_ghosts();
    if (has_hanging_) // an adapted mesh: the patch's cells may be coarser than the skin's
      refine_inactive_over_finer_cells();
    return removed;
  }

  template <int dim>
  double SkinBlock<dim>::dissolution_rate_mg_per_h(const unsigned int p) const
  {
    return dissolution_rate_mg_per_h(p, u_);
  }

  template <int dim>
  double SkinBlock<dim>::dissolution_rate_mg_per_h(const unsigned int p, const LA::MPI::Vector &u) const
  {
    if (!dissolving_.at(p))
      return 0.;
    return source_total_mg_per_h_[p] -
           dispersion_[p].dissolution_rate_per_h * sparse_->region_amount[p](u, setup_.communicator);
  }

  template <int dim>
  void SkinBlock<dim>::stop_dissolution(const unsigned int p)
  {
    if (!dissolving_.at(p))
      return;
    const double rest = dispersed_mg_[p];
    dissolving_[p]    = false;
    dispersed_mg_[p]  = 0;
    assemble_configuration();
    const double increment = rest / patch_volume_cm3_[p];
    project([&](const auto &cell) { return region_of(cell) == int(p) ? increment : 0.; }, true);
  }

  template <int dim>
  void SkinBlock<dim>::set_coefficient_scales(const CoefficientScales &scales)
  {
    scales.validate(setup_.layers.n_layers(), "SkinBlock::set_coefficient_scales");
    scales_ = scales;
    assemble_configuration();
  }

  template <int dim>
  void SkinBlock<dim>::step(const double h_h, const bool implicit_euler)
  {
    const double     theta = implicit_euler ? 1. : 0.5;
    LA::MPI::Vector &rhs = step_rhs_, &delta = step_delta_;
    copy_owned(operator_times_u(), rhs);
    rhs.sadd(-h_h, h_h, source_);
    condense(rhs);
    const System &s = system(theta * h_h);
    // CG (3D) starts from the projection of the answer onto the increments
    // of the last steps with this matrix (between events they change
    // smoothly and span few directions).
    const bool iterative = !s.cholesky && !s.direct;
    if (iterative)
      {
        if (start_key_ != theta * h_h)
          projected_start_->clear(), start_key_ = theta * h_h;
        projected_start_->start(rhs, delta);
      }
    solve(s, delta, rhs, iterative && projected_start_->size() > 0);
    if (iterative)
      projected_start_->add(s.matrix, delta);
    distribute_increment(delta);
    zero_frozen(delta);

    LA::MPI::Vector &u_theta = step_u_theta_;
    copy_owned(u_, u_theta);
    u_theta.add(theta, delta);
    absorbed_mg_ += h_h * sparse_->uptake(u_theta, setup_.communicator);
    for (unsigned int p = 0; p < dissolving_.size(); ++p)
      dispersed_mg_[p] -= h_h * dissolution_rate_mg_per_h(p, u_theta);
    if (setup_.fixed_top_concentration)
      entered_mg_ += mass_top_ * delta + h_h * (operator_top_ * u_theta);
    if (setup_.sink_bottom)
      permeated_mg_ -= mass_bottom_ * delta + h_h * (operator_bottom_ * u_theta);
    u_ += delta;
    update_ghosts();
  }

  template <int dim>
  Vector<float> SkinBlock<dim>::error_indicators() const
  {
    // Kelly's flux-jump indicator, over the faces between two active cells of
    // the same layer (at a layer interface u has its designed kink, and K D
    // du/dn is continuous by the weak form), with each side's own K D (which
    // differs only between patches at different temperatures: not here). A
    // face with a finer neighbour is integrated over its subfaces.
    const QGauss<dim - 1> quadrature(fe_.degree + 1);
    const UpdateFlags     flags = update_gradients | update_normal_vectors | update_quadrature_points | update_JxW_values;
    FEFaceValues<dim>     here(fe_, quadrature, flags), there(fe_, quadrature, update_gradients);
    FESubfaceValues<dim>  here_sub(fe_, quadrature, flags), there_sub(fe_, quadrature, update_gradients);
    std::vector<Tensor<1, dim>> grad_here(quadrature.size()), grad_there(quadrature.size());
    auto KD = [&](const auto &cell) {
      const unsigned int l = cell->material_id();
      return setup_.layers[l].partition_coefficient * setup_.layers[l].diffusivity_cm2_per_h *
             scales_.diffusivity_factor(l);
    };
    // Integral of the squared jump over one face (pair of matching face values).
    auto jump_squared = [&](const FEFaceValuesBase<dim> &a, const FEFaceValuesBase<dim> &b, const double kd_a,
                            const double kd_b) {
      a.get_function_gradients(ghosted_, grad_here);
      b.get_function_gradients(ghosted_, grad_there);
      double sum = 0;
      for (unsigned int q = 0; q < quadrature.size(); ++q)
        {
          const double jump = (kd_a * grad_here[q] - kd_b * grad_there[q]) * a.normal_vector(q);
          sum += jump * jump * weight(a.quadrature_point(q)) * a.JxW(q);
        }
      return sum;
    };
    Vector<float> indicators(triangulation_.n_active_cells());
    for (const auto &cell : dof_handler_.active_cell_iterators())
      {
        if (!cell->is_locally_owned() || !cell_active(cell))
          continue;
        double eta2 = 0;
        for (const auto f : cell->face_indices())
          {
            if (cell->at_boundary(f))
              continue;
            if (cell->face(f)->has_children())
              {
                const unsigned int nf = cell->neighbor_of_neighbor(f);
                for (unsigned int sf = 0; sf < cell->face(f)->n_active_descendants(); ++sf)
                  {
                    const auto child = cell->neighbor_child_on_subface(f, sf);
                    if (child->material_id() != cell->material_id() || !cell_active(child))
                      continue;
                    here_sub.reinit(cell, f, sf);
                    there.reinit(child, nf);
                    eta2 += jump_squared(here_sub, there, KD(cell), KD(child));
                  }
                continue;
              }
            const auto neighbor = cell->neighbor(f);
            if (neighbor->material_id() != cell->material_id() || !cell_active(neighbor))
              continue;
            here.reinit(cell, f);
            if (cell->neighbor_is_coarser(f))
              {
                const auto [nf, sf] = cell->neighbor_of_coarser_neighbor(f);
                there_sub.reinit(neighbor, nf, sf);
                eta2 += jump_squared(here, there_sub, KD(cell), KD(neighbor));
              }
            else
              {
                there.reinit(neighbor, cell->neighbor_of_neighbor(f));
                eta2 += jump_squared(here, there, KD(cell), KD(neighbor));
              }
          }
        indicators(cell->active_cell_index()) = std::sqrt(cell->diameter() / 24 * eta2);
      }
    return indicators;
  }

  template <int dim>
  double SkinBlock<dim>::drug_in_block_mg(const LA::MPI::Vector &u) const
  {
    double sum = 0;
    for (const LA::MPI::Vector &functional : role_amount_)
      sum += functional * u;
    return sum;
  }

  template <int dim>
  void SkinBlock<dim>::refine_and_transfer()
  {
    // Refine/coarsen by the flags set, rebuild DoFs and matrices, and move
    // u by interpolation (frozen DoFs stay 0).
    const double before = drug_in_block_mg(u_);
    parallel::distributed::SolutionTransfer<dim, LA::MPI::Vector> transfer(dof_handler_);
    triangulation_.prepare_coarsening_and_refinement();
    transfer.prepare_for_coarsening_and_refinement(ghosted_);
    triangulation_.execute_coarsening_and_refinement();
    setup_dofs();
    assemble_configuration();
    LA::MPI::Vector u(owned_, setup_.communicator);
    transfer.interpolate(u);
    hanging_.distribute(u);
    zero_frozen(u);

    // Scale the free values so the drug in the block is exactly what it was
    // (the Dirichlet values of an infinite donor or sink stay).
    LA::MPI::Vector held(owned_, setup_.communicator);
    if (setup_.fixed_top_concentration || setup_.sink_bottom)
      {
        for (const auto i : owned_)
          if (constraints_.is_constrained(i) && (top_dofs_.is_element(i) || bottom_dofs_.is_element(i)))
            held[i] = u[i];
        held.compress(VectorOperation::insert);
      }
    const double after = drug_in_block_mg(u), fixed = drug_in_block_mg(held);
    last_remesh_correction_ = before != 0 ? (after - before) / before : 0.;
    if (after - fixed != 0)
      {
        u -= held;
        u *= (before - fixed) / (after - fixed);
        u += held;
      }
    u_ = u;
    update_ghosts();
  }

  template <int dim>
  void SkinBlock<dim>::refine_inactive_over_finer_cells()
  {
    // A cell of a patch that is not on the skin must not be coarser than
    // the skin cell under it: its coarse face would constrain the skin's
    // surface nodes (hanging nodes) although it takes no part. Refine such
    // cells until none is left.
    for (unsigned int pass = 0; pass < 8; ++pass)
      {
        bool repair = false;
        for (const auto &cell : dof_handler_.active_cell_iterators())
          if (cell->is_locally_owned() && !cell_active(cell))
            for (const auto f : cell->face_indices())
              if (!cell->at_boundary(f) && cell->face(f)->has_children())
                {
                  cell->set_refine_flag();
                  repair = true;
                  break;
                }
        if (!Utilities::MPI::logical_or(repair, setup_.communicator))
          return;
        refine_and_transfer();
      }
  }

  template <int dim>
  bool SkinBlock<dim>::adapt_mesh(const unsigned int max_levels, const double refine_fraction,
                                  const double coarsen_fraction)
  {
    if (!(refine_fraction >= 0 && coarsen_fraction >= 0 && refine_fraction + coarsen_fraction <= 1))
      throw std::invalid_argument("adapt_mesh: fractions must be >= 0 with a sum <= 1");
    const MPI_Comm comm = setup_.communicator;
    const Vector<float> indicators = error_indicators();
    parallel::distributed::GridRefinement::refine_and_coarsen_fixed_fraction(triangulation_, indicators,
                                                                              refine_fraction, coarsen_fraction);
    const unsigned int base = setup_.global_refinements;
    bool               any  = false;
    for (const auto &cell : dof_handler_.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          if (cell->refine_flag_set() && unsigned(cell->level()) >= base + max_levels)
            cell->clear_refine_flag();
          // Cells of patches that are not on the skin have no indicator; they
          // keep their cells (see below).
          if (cell->coarsen_flag_set() && (unsigned(cell->level()) <= base || !cell_active(cell)))
            cell->clear_coarsen_flag();
          any = any || cell->refine_flag_set() || cell->coarsen_flag_set();
        }
    if (!Utilities::MPI::logical_or(any, comm))
      return false;

    refine_and_transfer();
    refine_inactive_over_finer_cells();
    return true;
  }

  template <int dim>
  void SkinBlock<dim>::solve_steady(const Function<dim> &source)
  {
    LA::MPI::Vector    rhs(owned_, setup_.communicator);
    const QGauss<dim>  quadrature(fe_.degree + 2);
    FEValues<dim>      fe_values(fe_, quadrature, update_values | update_quadrature_points | update_JxW_values);
    const unsigned int n = fe_.n_dofs_per_cell();
    Vector<double>     local(n);
    std::vector<types::global_dof_index> dofs(n);
    for (const auto &cell : dof_handler_.active_cell_iterators())
      if (cell->is_locally_owned() && cell_active(cell))
        {
          fe_values.reinit(cell);
          local = 0.;
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              const Point<dim> &x = fe_values.quadrature_point(q);
              for (unsigned int i = 0; i < n; ++i)
                local(i) += source.value(x) * fe_values.shape_value(i, q) * weight(x) * fe_values.JxW(q);
            }
          cell->get_dof_indices(dofs);
          constraints_.distribute_local_to_global(local, dofs, rhs);
        }
    rhs.compress(VectorOperation::add);
    solve(system(-1.), u_, rhs);
    constraints_.distribute(u_);
    update_ghosts();
  }

  template <int dim>
  double SkinBlock<dim>::amount_mg(const LayerRole role) const
  {
    return sparse_->role_amount[int(role)](u_, setup_.communicator);
  }

  template <int dim>
  double SkinBlock<dim>::patch_amount_mg(const unsigned int p) const
  {
    return applied_.at(p) ? sparse_->region_amount[p](u_, setup_.communicator) : 0.;
  }

  template <int dim>
  typename SkinBlock<dim>::Rates SkinBlock<dim>::rates() const
  {
    // A flux is a functional l of du/dt = w, where M w = P (-A u) on the
    // free rows (P zeroes the constrained ones, where w = 0): l . w =
    // (M^{-1} P l) . P (-A u), with the weights z = M^{-1} P l computed once
    // per configuration.
    const MPI_Comm comm = setup_.communicator;
    if (!rate_weights_ready_)
      {
        LA::MPI::Vector in(owned_, comm), out(owned_, comm);
        if (setup_.fixed_top_concentration)
          in = mass_top_;
        else
          in.add(-1., role_amount_[int(LayerRole::patch)], -1., role_amount_[int(LayerRole::donor)]);
        if (setup_.sink_bottom)
          out.add(-1., mass_bottom_);
        else
          out = role_amount_[int(LayerRole::receptor)];
        rate_in_.reinit(owned_, comm), rate_out_.reinit(owned_, comm);
        for (auto [l, z] : {std::pair{&in, &rate_in_}, std::pair{&out, &rate_out_}})
          {
            condense(*l);
            solve_mass(*z, *l);
          }
        sparse_->rate_in    = SparseFunctional(rate_in_);
        sparse_->rate_out   = SparseFunctional(rate_out_);
        rate_weights_ready_ = true;
      }
    LA::MPI::Vector &r = rates_residual_;
    copy_owned(operator_times_u(), r);
    r.sadd(-1., 1., source_);
    condense(r);

    Rates rates;
    rates.to_blood  = to_blood_mg_per_h();
    rates.into_skin = sparse_->rate_in(r, comm) + (setup_.fixed_top_concentration ? operator_top_ * u_ : 0.);
    // Drug that dissolves leaves the dispersed phase, not the dissolved one.
    for (unsigned int p = 0; p < dissolving_.size(); ++p)
      rates.into_skin += dissolution_rate_mg_per_h(p);
    rates.out       = sparse_->rate_out(r, comm) - (setup_.sink_bottom ? operator_bottom_ * u_ : 0.);
    return rates;
  }

  template <int dim>
  double SkinBlock<dim>::to_blood_mg_per_h() const
  {
    if (!to_blood_ready_)
      {
        to_blood_mg_per_h_ = sparse_->uptake(u_, setup_.communicator);
        to_blood_ready_    = true;
      }
    return to_blood_mg_per_h_;
  }

  template <int dim>
  std::pair<double, double> SkinBlock<dim>::u_range() const
  {
    double        lo = std::numeric_limits<double>::infinity(), hi = -lo;
    const double *u  = u_.trilinos_vector()[0];
    for (const auto k : active_owned_)
      lo = std::min(lo, u[k]), hi = std::max(hi, u[k]);
    return {Utilities::MPI::min(lo, setup_.communicator), Utilities::MPI::max(hi, setup_.communicator)};
  }

  template <int dim>
  std::vector<std::pair<std::string, std::string>>
  SkinBlock<dim>::field_files(const std::string &base_name) const
  {
    DataOut<dim> data_out;
    data_out.attach_dof_handler(dof_handler_);
    data_out.add_data_vector(ghosted_, "u");
    ConcentrationPostprocessor<dim> concentration(setup_.layers);
    data_out.add_data_vector(ghosted_, concentration);
    Vector<float> layer_id(triangulation_.n_active_cells()), subdomain(triangulation_.n_active_cells()),
      active(triangulation_.n_active_cells());
    for (const auto &cell : dof_handler_.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          layer_id(cell->active_cell_index())  = cell->material_id();
          subdomain(cell->active_cell_index()) = triangulation_.locally_owned_subdomain();
          active(cell->active_cell_index())    = cell_active(cell) ? 1.f : 0.f;
        }
    data_out.add_data_vector(layer_id, "layer_id");
    data_out.add_data_vector(subdomain, "subdomain");
    data_out.add_data_vector(active, "active");
    data_out.build_patches(fe_.degree);

    const unsigned int rank   = Utilities::MPI::this_mpi_process(setup_.communicator);
    const unsigned int n_rank = Utilities::MPI::n_mpi_processes(setup_.communicator);
    std::ostringstream piece;
    DataOutBase::VtkFlags flags;
    flags.compression_level = DataOutBase::VtkFlags::ZlibCompressionLevel::best_speed;
    data_out.set_flags(flags);
    data_out.write_vtu(piece);
    const std::vector<std::string> pieces =
      Utilities::MPI::gather(setup_.communicator, piece.str(), 0);
    std::vector<std::pair<std::string, std::string>> files;
    if (rank != 0)
      return files;
    std::vector<std::string> names;
    for (unsigned int r = 0; r < n_rank; ++r)
      {
        names.push_back(base_name + "." + std::to_string(r) + ".vtu");
        files.emplace_back(names.back(), pieces[r]);
      }
    std::ostringstream record;
    data_out.write_pvtu_record(record, names);
    files.emplace_back(base_name + ".pvtu", record.str());
    return files;
  }

  template <int dim>
  double SkinBlock<dim>::l2_error(const Function<dim> &exact) const
  {
    const QGauss<dim>   quadrature(fe_.degree + 2);
    FEValues<dim>       fe_values(fe_, quadrature, update_values | update_quadrature_points | update_JxW_values);
    std::vector<double> u_q(quadrature.size());
    double              sum = 0;
    for (const auto &cell : dof_handler_.active_cell_iterators())
      if (cell->is_locally_owned() && cell_active(cell))
        {
          fe_values.reinit(cell);
          fe_values.get_function_values(ghosted_, u_q);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              const Point<dim> &x = fe_values.quadrature_point(q);
              const double      e = u_q[q] - exact.value(x);
              sum += e * e * weight(x) * fe_values.JxW(q);
            }
        }
    return std::sqrt(Utilities::MPI::sum(sum, setup_.communicator));
  }

  template class SkinBlock<2>;
  template class SkinBlock<3>;
} // namespace dermatwin::fem
