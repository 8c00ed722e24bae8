// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sparse_cholesky.h"

#include "huge_pages.h"
#include "two_threads.h"

#include <Epetra_Comm.h>
#include <Epetra_Map.h>
#include <cholmod.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace dermatwin::fem::internal
{
  namespace
  {
    /// A CHOLMOD workspace (one per object: objects may live on different threads).
    struct Common
    {
      cholmod_common common;
      Common()
      {
        use_huge_pages_in_cholmod();
        cholmod_start(&common);
        common.supernodal = CHOLMOD_SIMPLICIAL;
        // Orderings without points: CHOLMOD's nested dissection (METIS),
        // less fill than the default AMD on these 2D meshes (axisymmetric
        // fentanyl, 76k DOFs: 5.3-6.1 s instead of 7.8 s per run). The skin
        // block gives points (geometric_nested_dissection). The supernodal
        // variant was slower with Debian's reference BLAS and no faster
        // with OpenBLAS.
        common.nmethods           = 1;
        common.method[0].ordering = CHOLMOD_NESDIS;
      }
      ~Common() { cholmod_finish(&common); }
      Common(const Common &) = delete;
      Common &operator=(const Common &) = delete;
    };
  } // namespace

  struct LowerTriangle::Cholmod : Common
  {
    cholmod_sparse *matrix = nullptr;
    ~Cholmod()
    {
      if (matrix != nullptr)
        cholmod_free_sparse(&matrix, &common);
    }
  };

  struct CholeskyAnalysis::Cholmod : Common
  {
    cholmod_factor *symbolic = nullptr;
    /// The analysed pattern (column starts, rows), to check the matrices factorised.
    std::vector<int> column_start, row;
    /// First position of group 1 and of the top part (see SparseCholesky).
    int group1 = 0, top = 0;
    ~Cholmod()
    {
      if (symbolic != nullptr)
        cholmod_free_factor(&symbolic, &common);
    }
    void split_for_two_threads(cholmod_sparse *A);
    void keep_pattern(const cholmod_sparse &A)
    {
      const int *p = static_cast<const int *>(A.p), *i = static_cast<const int *>(A.i);
      column_start.assign(p, p + A.ncol + 1);
      row.assign(i, i + p[A.ncol]);
    }
  };

  struct SparseCholesky::Cholmod : Common
  {
    cholmod_factor *numeric = nullptr;
    ~Cholmod()
    {
      if (numeric != nullptr)
        cholmod_free_factor(&numeric, &common);
    }
  };

  LowerTriangle::LowerTriangle(const Epetra_CrsMatrix &A)
    : cholmod_(std::make_unique<Cholmod>())
  {
    copy(A.Graph(), &A);
  }

  LowerTriangle::LowerTriangle(const Epetra_CrsGraph &pattern)
    : cholmod_(std::make_unique<Cholmod>())
  {
    copy(pattern, nullptr);
  }

  void LowerTriangle::copy(const Epetra_CrsGraph &graph, const Epetra_CrsMatrix *A)
  {
    // A symmetric matrix's row i is its column i, so the CSR rows of A give
    // the columns of the lower triangle directly: counted first, then copied
    // straight into CHOLMOD's arrays (no intermediate copies: this runs on
    // the stepping thread at every change of configuration).
    // The maps through the graph: Epetra_CrsMatrix::RowMap() and ColMap() downcast a
    // BlockMap to Epetra_Map (undefined behaviour that UBSan reports).
    const Epetra_BlockMap &rows = graph.RowMap(), &columns = graph.ColMap();
    if (graph.Comm().NumProc() != 1 || !rows.LinearMap() || rows.MinAllGID() != 0)
      throw std::logic_error("SparseCholesky: the matrix must live on one rank with rows 0..n-1");
    const int n = graph.NumMyRows();
    auto      row_view = [&](const int row, int &count, double *&values, int *&indices) {
      values = nullptr;
      if (A != nullptr)
        A->ExtractMyRowView(row, count, values, indices);
      else
        graph.ExtractMyRowView(row, count, indices);
    };
    std::size_t entries = 0;
    for (int row = 0; row < n; ++row)
      {
        int     count   = 0;
        double *values  = nullptr;
        int    *indices = nullptr;
        row_view(row, count, values, indices);
        for (int e = 0; e < count; ++e)
          entries += columns.GID(indices[e]) >= row;
      }
    cholmod_->matrix = cholmod_allocate_sparse(n, n, entries, /*sorted*/ 1, /*packed*/ 1,
                                               /*stype: lower*/ -1, CHOLMOD_REAL, &cholmod_->common);
    if (cholmod_->matrix == nullptr)
      throw std::runtime_error("SparseCholesky: out of memory");
    int    *start = static_cast<int *>(cholmod_->matrix->p), *row_of = static_cast<int *>(cholmod_->matrix->i);
    double *value_of = static_cast<double *>(cholmod_->matrix->x);
    std::vector<std::pair<int, double>> unsorted;
    int                                 at = 0;
    start[0]                               = 0;
    for (int row = 0; row < n; ++row)
      {
        int     count   = 0;
        double *values  = nullptr;
        int    *indices = nullptr;
        row_view(row, count, values, indices);
        const int first = at;
        for (int e = 0; e < count; ++e)
          if (const int col = columns.GID(indices[e]); col >= row)
            row_of[at] = col, value_of[at++] = values != nullptr ? values[e] : 0.;
        if (!std::is_sorted(row_of + first, row_of + at))
          {
            unsorted.clear();
            for (int k = first; k < at; ++k)
              unsorted.emplace_back(row_of[k], value_of[k]);
            std::sort(unsorted.begin(), unsorted.end());
            for (int k = first; k < at; ++k)
              std::tie(row_of[k], value_of[k]) = unsorted[k - first];
          }
        start[row + 1] = at;
      }
  }

  LowerTriangle::LowerTriangle(const LowerTriangle &a, const double factor, const LowerTriangle &b)
    : cholmod_(std::make_unique<Cholmod>())
  {
    const cholmod_sparse &A = *a.cholmod_->matrix, &B = *b.cholmod_->matrix;
    const std::size_t     n = A.ncol, nnz = static_cast<const int *>(A.p)[n];
    if (B.ncol != n || static_cast<const int *>(B.p)[n] != int(nnz) ||
        !std::equal(static_cast<const int *>(A.i), static_cast<const int *>(A.i) + nnz, static_cast<const int *>(B.i)))
      throw std::logic_error("LowerTriangle: the two matrices have different sparsity patterns");
    cholmod_->matrix = cholmod_copy_sparse(a.cholmod_->matrix, &cholmod_->common);
    if (cholmod_->matrix == nullptr)
      throw std::runtime_error("SparseCholesky: out of memory");
    double       *x = static_cast<double *>(cholmod_->matrix->x);
    const double *y = static_cast<const double *>(B.x);
    for (std::size_t k = 0; k < nnz; ++k)
      x[k] += factor * y[k];
  }

  LowerTriangle::~LowerTriangle() = default;

  CholeskyAnalysis::CholeskyAnalysis(const LowerTriangle &A)
    : cholmod_(std::make_unique<Cholmod>())
  {
    cholmod_->symbolic = cholmod_analyze(A.cholmod_->matrix, &cholmod_->common);
    if (cholmod_->symbolic == nullptr)
      throw std::runtime_error("SparseCholesky: analysis failed (CHOLMOD status " +
                               std::to_string(cholmod_->common.status) + ")");
    cholmod_->split_for_two_threads(A.cholmod_->matrix);
    cholmod_->keep_pattern(*A.cholmod_->matrix);
  }

  CholeskyAnalysis::CholeskyAnalysis(const LowerTriangle &A, const std::vector<std::array<double, 2>> &points)
    : cholmod_(std::make_unique<Cholmod>())
  {
    std::vector<int> perm = geometric_nested_dissection(A, points);
    cholmod_common  &c    = cholmod_->common;
    c.nmethods            = 1;
    c.method[0].ordering  = CHOLMOD_GIVEN;
    cholmod_->symbolic    = cholmod_analyze_p(A.cholmod_->matrix, perm.data(), nullptr, 0, &c);
    if (cholmod_->symbolic == nullptr)
      throw std::runtime_error("SparseCholesky: analysis failed (CHOLMOD status " + std::to_string(c.status) + ")");
    cholmod_->split_for_two_threads(A.cholmod_->matrix);
    cholmod_->keep_pattern(*A.cholmod_->matrix);
  }

  CholeskyAnalysis::~CholeskyAnalysis() = default;

  bool CholeskyAnalysis::analysed(const LowerTriangle &A) const
  {
    const cholmod_sparse &M = *A.cholmod_->matrix;
    const int            *p = static_cast<const int *>(M.p), *i = static_cast<const int *>(M.i);
    const auto           &c = *cholmod_;
    return M.ncol + 1 == c.column_start.size() && std::equal(p, p + M.ncol + 1, c.column_start.begin()) &&
           std::equal(i, i + p[M.ncol], c.row.begin());
  }

  double CholeskyAnalysis::factor_entries() const
  {
    const cholmod_factor &F      = *cholmod_->symbolic;
    const int            *counts = static_cast<const int *>(F.ColCount);
    double                sum    = 0;
    for (std::size_t j = 0; j < F.n; ++j)
      sum += counts[j];
    return sum;
  }

  namespace
  {
    /// Geometric nested dissection (see geometric_nested_dissection()).
    class Dissection
    {
    public:
      Dissection(const cholmod_sparse &lower, const std::vector<std::array<double, 2>> &points)
        : points_(points)
        , in_set_(points.size(), 0)
      {
        // Symmetric adjacency without the diagonal.
        const int  n = int(lower.nrow);
        const int *p = static_cast<const int *>(lower.p), *i = static_cast<const int *>(lower.i);
        start_.assign(n + 1, 0);
        for (int col = 0; col < n; ++col)
          for (int k = p[col]; k < p[col + 1]; ++k)
            if (i[k] != col)
              ++start_[i[k] + 1], ++start_[col + 1];
        for (int v = 0; v < n; ++v)
          start_[v + 1] += start_[v];
        neighbour_.resize(start_[n]);
        std::vector<int> next(start_.begin(), start_.end() - 1);
        for (int col = 0; col < n; ++col)
          for (int k = p[col]; k < p[col + 1]; ++k)
            if (i[k] != col)
              neighbour_[next[i[k]]++] = col, neighbour_[next[col]++] = i[k];
      }

      std::vector<int> order()
      {
        std::vector<int> all(points_.size());
        for (std::size_t v = 0; v < all.size(); ++v)
          all[v] = int(v);
        order(all);
        return std::move(order_);
      }

    private:
      /// Sets this small are not cut (smaller leaves gave less fill on the
      /// axisymmetric fentanyl block: leaves of 3, 8, 32, 128 unknowns:
      /// 3.76, 3.78, 4.02, 4.83 million factor entries; METIS: 3.76).
      static constexpr std::size_t leaf_size = 3;
      const std::vector<std::array<double, 2>> &points_;
      std::vector<int>                          start_, neighbour_, order_;
      std::vector<int>                          in_set_; ///< stamp of the set being cut
      int                                       stamp_ = 0;

      void order(std::vector<int> &set)
      {
        std::vector<int> first, second, separator;
        if (set.size() <= leaf_size || !cut(set, first, second, separator))
          {
            order_.insert(order_.end(), set.begin(), set.end());
            return;
          }
        set = {};
        order(first);
        order(second);
        order_.insert(order_.end(), separator.begin(), separator.end());
      }

      /// The best straight cut of @p set; false if there is none.
      bool cut(const std::vector<int> &set, std::vector<int> &first, std::vector<int> &second,
               std::vector<int> &separator)
      {
        ++stamp_;
        for (const int v : set)
          in_set_[v] = stamp_;
        const std::size_t m = set.size();
        struct Best
        {
          std::size_t size = std::numeric_limits<std::size_t>::max();
          double      imbalance = 1;
          int         axis = -1;
          double      at   = 0;
          bool        upper_side = false; ///< separator on the side >= at
        } best;
        std::vector<double> x(m), lowest(m), highest(m), sorted;
        for (int axis = 0; axis < 2; ++axis)
          {
            // Per unknown: its coordinate and the extreme coordinates of its
            // neighbours in the set.
            for (std::size_t k = 0; k < m; ++k)
              {
                const int v = set[k];
                x[k] = lowest[k] = highest[k] = points_[v][axis];
                for (int e = start_[v]; e < start_[v + 1]; ++e)
                  if (const int u = neighbour_[e]; in_set_[u] == stamp_)
                    lowest[k] = std::min(lowest[k], points_[u][axis]), highest[k] = std::max(highest[k], points_[u][axis]);
              }
            sorted = x;
            std::sort(sorted.begin(), sorted.end());
            // Candidate cuts: the distinct coordinates from 30 % to 70 % of
            // the set, at most 15 of them spread over that range.
            std::vector<double> candidates;
            for (std::size_t k = std::max<std::size_t>(1, 3 * m / 10); k <= 7 * m / 10 && k < m; ++k)
              if (sorted[k] > sorted[k - 1])
                candidates.push_back(sorted[k]);
            const std::size_t stride = candidates.size() / 15 + 1;
            for (std::size_t c = 0; c < candidates.size(); c += stride)
              {
                const double at    = candidates[c];
                std::size_t  below = 0, upper_sep = 0, lower_sep = 0;
                for (std::size_t k = 0; k < m; ++k)
                  if (x[k] < at)
                    ++below, lower_sep += highest[k] >= at;
                  else
                    upper_sep += lowest[k] < at;
                const double imbalance = std::abs(double(below) / double(m) - 0.5);
                for (const bool upper : {true, false})
                  {
                    const std::size_t size = upper ? upper_sep : lower_sep;
                    if (size < best.size || (size == best.size && imbalance < best.imbalance))
                      best = {size, imbalance, axis, at, upper};
                  }
              }
          }
        if (best.axis < 0 || best.size >= m / 2)
          return false;
        for (const int v : set)
          {
            const double xv = points_[v][best.axis];
            const bool   upper = xv >= best.at;
            bool         on_separator = false;
            if (upper == best.upper_side)
              for (int e = start_[v]; e < start_[v + 1] && !on_separator; ++e)
                if (const int u = neighbour_[e]; in_set_[u] == stamp_)
                  on_separator = (points_[u][best.axis] >= best.at) != upper;
            (on_separator ? separator : upper ? second : first).push_back(v);
          }
        return !first.empty() && !second.empty();
      }
    };
  } // namespace

  std::vector<int> geometric_nested_dissection(const LowerTriangle &A, const std::vector<std::array<double, 2>> &points)
  {
    if (points.size() != A.cholmod_->matrix->nrow)
      throw std::logic_error("geometric_nested_dissection: one point per unknown expected");
    return Dissection(*A.cholmod_->matrix, points).order();
  }

  namespace
  {
    /// The positions of the factor columns in the order [group 0 | group 1 |
    /// top] of SparseCholesky, from the elimination tree (@p parent, n for a
    /// root) and the column counts (with the diagonal).
    struct TreeSplit
    {
      std::vector<int> order; ///< new position -> old position
      int              group1 = 0, top = 0;
    };

    TreeSplit split_elimination_tree(const std::vector<int> &parent, const int *count)
    {
      const int n = int(parent.size());
      // Work (factor entries) in every subtree; children precede parents.
      std::vector<double> work(n + 1, 0.);
      for (int j = 0; j < n; ++j)
        {
          if (parent[j] <= j || parent[j] > n)
            throw std::logic_error("SparseCholesky: elimination tree not in topological order");
          work[j] += count[j];
          work[parent[j]] += work[j];
        }
      std::vector<std::vector<int>> children(n + 1);
      for (int j = 0; j < n; ++j)
        children[parent[j]].push_back(j);

      // Open the heaviest subtree (it joins the top part, its children become
      // candidates) while it holds more than a quarter of the candidates' work
      // and the top part stays small; then deal the candidates to two groups,
      // heaviest first, each to the lighter group (a few candidates of similar
      // size balance well).
      auto lighter = [&](const int a, const int b) { return work[a] < work[b]; };
      std::vector<int> candidates(children[n]);
      std::make_heap(candidates.begin(), candidates.end(), lighter);
      double candidate_work = work[n], top_work = 0;
      while (!candidates.empty())
        {
          const int heaviest = candidates.front();
          if (work[heaviest] <= 0.25 * candidate_work || children[heaviest].empty() ||
              top_work + count[heaviest] > 0.2 * work[n])
            break;
          std::pop_heap(candidates.begin(), candidates.end(), lighter);
          candidates.pop_back();
          candidate_work -= count[heaviest];
          top_work += count[heaviest];
          for (const int child : children[heaviest])
            {
              candidates.push_back(child);
              std::push_heap(candidates.begin(), candidates.end(), lighter);
            }
        }
      std::sort(candidates.begin(), candidates.end(), [&](const int a, const int b) {
        return work[a] > work[b] || (work[a] == work[b] && a < b);
      });
      std::vector<int> group(n, 2); // 2: top
      double           group_work[2] = {0, 0};
      for (const int root : candidates)
        {
          const int g = group_work[1] < group_work[0] ? 1 : 0;
          group_work[g] += work[root];
          for (std::vector<int> stack{root}; !stack.empty();)
            {
              const int j = stack.back();
              stack.pop_back();
              group[j] = g;
              stack.insert(stack.end(), children[j].begin(), children[j].end());
            }
        }

      // Group 0, group 1, top, each in ascending old order: a topological
      // order of the tree (every parent is later), so the fill is unchanged.
      TreeSplit split;
      split.order.reserve(n);
      for (int g = 0; g < 3; ++g)
        {
          (g == 1 ? split.group1 : split.top) = int(split.order.size());
          for (int j = 0; j < n; ++j)
            if (group[j] == g)
              split.order.push_back(j);
        }
      return split;
    }
  } // namespace

  void CholeskyAnalysis::Cholmod::split_for_two_threads(cholmod_sparse *A)
  {
    const int n    = int(symbolic->n);
    int      *perm = static_cast<int *>(symbolic->Perm);
    // The elimination tree of A(perm, perm) (CHOLMOD's etree wants the upper triangle).
    std::vector<int> parent(n);
    cholmod_sparse  *upper = cholmod_ptranspose(A, 0, perm, nullptr, 0, &common);
    const bool       ok    = upper != nullptr && cholmod_etree(upper, parent.data(), &common);
    cholmod_free_sparse(&upper, &common);
    if (!ok)
      throw std::runtime_error("SparseCholesky: elimination tree failed (CHOLMOD status " +
                               std::to_string(common.status) + ")");
    for (int &p : parent)
      p = p < 0 ? n : p;
    const TreeSplit split = split_elimination_tree(parent, static_cast<const int *>(symbolic->ColCount));

    // Analyse again in that order, as given (no postorder, which would undo it).
    std::vector<int> grouped(n);
    for (int k = 0; k < n; ++k)
      grouped[k] = perm[split.order[k]];
    common.nmethods           = 1;
    common.method[0].ordering = CHOLMOD_GIVEN;
    common.postorder          = 0;
    cholmod_factor *regrouped = cholmod_analyze_p(A, grouped.data(), nullptr, 0, &common);
    if (regrouped == nullptr)
      throw std::runtime_error("SparseCholesky: analysis failed (CHOLMOD status " + std::to_string(common.status) + ")");
    if (!std::equal(grouped.begin(), grouped.end(), static_cast<const int *>(regrouped->Perm)))
      {
        cholmod_free_factor(&regrouped, &common);
        throw std::logic_error("SparseCholesky: CHOLMOD changed the given ordering");
      }
    cholmod_free_factor(&symbolic, &common);
    symbolic = regrouped;
    group1   = split.group1;
    top      = split.top;
  }

  SparseCholesky::SparseCholesky(const LowerTriangle &A, const CholeskyAnalysis &analysis, const bool two_threads)
    : cholmod_(std::make_unique<Cholmod>())
  {
    if (!analysis.analysed(A))
      throw std::logic_error("SparseCholesky: the matrix does not have the analysed sparsity pattern");
    group1_ = analysis.cholmod_->group1;
    top_    = analysis.cholmod_->top;
    cholmod_common &c = cholmod_->common;
    // Columns of exactly their final size (no room for updates, which we never
    // make; and no column ever moves, so two threads can fill their own).
    c.grow2           = 0;
    cholmod_->numeric = cholmod_copy_factor(analysis.cholmod_->symbolic, &c);
    if (cholmod_->numeric == nullptr)
      throw std::runtime_error("SparseCholesky: out of memory");
    if (two_threads && std::thread::hardware_concurrency() > 1 && 0 < group1_ && group1_ < top_)
      factorise_in_two_threads(A);
    else
      cholmod_factorize(A.cholmod_->matrix, cholmod_->numeric, &c);
    const cholmod_factor *F = cholmod_->numeric;
    if (c.status != CHOLMOD_OK || F->minor < F->n || F->xtype == CHOLMOD_PATTERN)
      throw std::runtime_error("SparseCholesky: factorisation failed (CHOLMOD status " + std::to_string(c.status) +
                               "; matrix not positive definite?)");
    if (F->is_super || F->is_ll || F->xtype != CHOLMOD_REAL)
      throw std::logic_error("SparseCholesky: expected a simplicial real LDL' factor");
    cholmod_free_work(&c);
    index_factor();
  }

  void SparseCholesky::factorise_in_two_threads(const LowerTriangle &A)
  {
    // What cholmod_factorize does for a simplicial factor of a lower
    // triangle, with the rows in three calls of cholmod_rowfac: S = A(p,p)'
    // (upper), L the identity, then rows [0, group1) and [group1, top) on two
    // threads with their own workspaces (a row reads and writes only the
    // columns of its subtree, all in its group), then the top rows.
    cholmod_common &c = cholmod_->common;
    cholmod_factor *L = cholmod_->numeric;
    cholmod_sparse *S = cholmod_ptranspose(A.cholmod_->matrix, 1, static_cast<int *>(L->Perm), nullptr, 0, &c);
    if (S == nullptr || !cholmod_change_factor(CHOLMOD_REAL, /*ll*/ 0, /*super*/ 0, /*packed*/ 0, /*monotonic*/ 1, L, &c))
      {
        cholmod_free_sparse(&S, &c);
        throw std::runtime_error("SparseCholesky: out of memory");
      }
    double beta[2] = {0., 0.};
    Common second;
    second.common.grow2 = 0;
    bool ok[2]          = {false, false};
    std::thread other([&] { ok[1] = cholmod_rowfac(S, nullptr, beta, group1_, top_, L, &second.common); });
    ok[0] = cholmod_rowfac(S, nullptr, beta, 0, group1_, L, &c);
    other.join();
    if (ok[0] && ok[1])
      ok[0] = cholmod_rowfac(S, nullptr, beta, top_, L->n, L, &c);
    cholmod_free_sparse(&S, &c);
    if (!ok[0] || !ok[1] || second.common.status < CHOLMOD_OK)
      throw std::runtime_error("SparseCholesky: factorisation failed (CHOLMOD status " +
                               std::to_string(std::min(c.status, second.common.status)) + ")");
    if (second.common.status != CHOLMOD_OK)
      c.status = second.common.status;
  }

  SparseCholesky::~SparseCholesky() = default;

  void SparseCholesky::index_factor()
  {
    const cholmod_factor &F = *cholmod_->numeric;
    const int             n = int(F.n);
    column_start_           = static_cast<const int *>(F.p);
    column_count_           = static_cast<const int *>(F.nz);
    row_                    = static_cast<const int *>(F.i);
    value_                  = static_cast<const double *>(F.x);
    original_               = static_cast<const int *>(F.Perm);
    n_                      = n;
    // Column j: D_jj at its start, then its rows ascending (CHOLMOD's
    // row-oriented factorisation appends them in order): a group column's
    // rows in its group first, then those in the top part.
    top_begin_.resize(n);
    diagonal_.resize(n);
    entries_ = 0;
    for (int j = 0; j < n; ++j)
      {
        const int first = column_start_[j], end = first + column_count_[j];
        if (column_count_[j] < 1 || row_[first] != j || !std::is_sorted(row_ + first + 1, row_ + end))
          throw std::logic_error("SparseCholesky: factor column not in ascending row order");
        diagonal_[j] = value_[first];
        if (!(diagonal_[j] > 0.)) // LDL' goes through indefinite matrices
          throw std::runtime_error("SparseCholesky: matrix not positive definite (pivot " +
                                   std::to_string(diagonal_[j]) + ")");
        top_begin_[j] = int(std::lower_bound(row_ + first + 1, row_ + end, top_) - row_);
        entries_ += std::size_t(column_count_[j] - 1);
      }
    work_.resize(n);
    for (auto &b : buffer_)
      b.resize(n - top_);
  }

  void SparseCholesky::forward_group(const int g) const
  {
    // L y = b over one group: rows inside the group in place, rows of the
    // top part into this group's buffer.
    double *y = work_.data(), *top = buffer_[g].data() - top_;
    std::fill(buffer_[g].begin(), buffer_[g].end(), 0.);
    const int end = g == 0 ? group1_ : top_;
    for (int j = g == 0 ? 0 : group1_; j < end; ++j)
      if (const double yj = y[j]; yj != 0.)
        {
          int       k    = column_start_[j] + 1;
          const int last = column_start_[j] + column_count_[j];
          for (; k < top_begin_[j]; ++k)
            y[row_[k]] -= value_[k] * yj;
          for (; k < last; ++k)
            top[row_[k]] -= value_[k] * yj;
        }
  }

  void SparseCholesky::backward_range(const int begin, const int end) const
  {
    // L^T x = y over columns [begin, end), last first; the rows read are
    // ancestors (this range or the top part, already final).
    // The factor is read as one descending stream (columns last to first,
    // each from its end), which the hardware prefetches; reading each
    // column forwards made this loop three times slower than the forward
    // substitution. Four partial sums keep the multiply-adds independent.
    double       *y   = work_.data();
    const double *v   = value_;
    const int    *row = row_;
    for (int j = end - 1; j >= begin; --j)
      {
        double    s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        const int first = column_start_[j] + 1; // below the diagonal
        int       k     = column_start_[j] + column_count_[j];
        for (; k - 4 >= first; k -= 4)
          {
            s0 += v[k - 1] * y[row[k - 1]];
            s1 += v[k - 2] * y[row[k - 2]];
            s2 += v[k - 3] * y[row[k - 3]];
            s3 += v[k - 4] * y[row[k - 4]];
          }
        for (; k > first; --k)
          s0 += v[k - 1] * y[row[k - 1]];
        y[j] -= (s0 + s1) + (s2 + s3);
      }
  }

  void SparseCholesky::solve(const Epetra_MultiVector &b, Epetra_MultiVector &x) const
  {
    const int n = n_;
    if (b.MyLength() != n || x.MyLength() != n)
      throw std::logic_error("SparseCholesky::solve: vector length differs from the matrix size");
    // Two threads pay only on large factors; the arithmetic is the same either way.
    const bool two_threads = two_threads_pay(entries_);
    auto       both        = [two_threads](const auto &task) { run_in_two_parts(two_threads, task); };
    double *y = work_.data();
    for (int j = 0; j < n; ++j)
      y[j] = b[0][original_[j]];
    both([this](const int g) { forward_group(g); });
    for (int g = 0; g < 2; ++g)
      for (int i = top_; i < n; ++i)
        y[i] += buffer_[g][i - top_];
    for (int j = top_; j < n; ++j)
      if (const double yj = y[j]; yj != 0.)
        for (int k = column_start_[j] + 1; k < column_start_[j] + column_count_[j]; ++k)
          y[row_[k]] -= value_[k] * yj;
    for (int j = 0; j < n; ++j)
      y[j] /= diagonal_[j];
    backward_range(top_, n);
    both([this](const int g) { g == 0 ? backward_range(0, group1_) : backward_range(group1_, top_); });
    for (int j = 0; j < n; ++j)
      x[0][original_[j]] = y[j];
  }
} // namespace dermatwin::fem::internal
