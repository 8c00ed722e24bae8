// SPDX-License-Identifier: LGPL-2.1-or-later
#include "field_view.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>
#include <QXmlStreamReader>

#include <QVTKOpenGLNativeWidget.h>
#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellData.h>
#include <vtkCleanPolyData.h>
#include <vtkDataArray.h>
#include <vtkDataSet.h>
#include <vtkDataSetMapper.h>
#include <vtkFeatureEdges.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGeometryFilter.h>
#include <vtkLookupTable.h>
#include <vtkPointData.h>
#include <vtkPointDataToCellData.h>
#include <vtkPoints.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkReflectionFilter.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkTextProperty.h>
#include <vtkThreshold.h>
#include <vtkUnstructuredGrid.h>
#include <vtkXMLGenericDataObjectReader.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace dermatwin::gui
{
  namespace
  {
    const char *concentration_name = "concentration_mg_per_mL";
    const char *layer_name         = "layer_id";

    vtkDataArray *concentration(vtkDataSet *data)
    {
      vtkDataArray *c = data->GetPointData()->GetArray(concentration_name);
      return c ? c : data->GetPointData()->GetArray(0);
    }

    /// Piecewise-linear map of x from the breakpoints `from` to `to` (both ascending).
    double piecewise_linear(const std::vector<double> &from, const std::vector<double> &to, const double x)
    {
      if (x <= from.front())
        return to.front() + (x - from.front());
      for (std::size_t i = 1; i < from.size(); ++i)
        if (x <= from[i])
          {
            const double w = (from[i] > from[i - 1]) ? (x - from[i - 1]) / (from[i] - from[i - 1]) : 0;
            return to[i - 1] + w * (to[i] - to[i - 1]);
          }
      return to.back() + (x - from.back());
    }
  } // namespace

  FieldView::FieldView(QWidget *parent)
    : QWidget(parent)
  {
    vtk_        = new QVTKOpenGLNativeWidget(this);
    slider_     = new QSlider(Qt::Horizontal, this);
    time_label_ = new QLabel(this);
    note_       = new QLabel(this);
    note_->setWordWrap(true);
    slider_->setObjectName("field_time_slider");
    window_   = vtkSmartPointer<vtkGenericOpenGLRenderWindow>::New();
    renderer_ = vtkSmartPointer<vtkRenderer>::New();
    renderer_->SetBackground(1, 1, 1);
    renderer_->SetViewport(0, 0, 0.84, 1);
    legend_ = vtkSmartPointer<vtkRenderer>::New(); // the colour bar, beside the field
    legend_->SetBackground(1, 1, 1);
    legend_->SetViewport(0.84, 0, 1, 1);
    window_->AddRenderer(renderer_);
    window_->AddRenderer(legend_);
    vtk_->setRenderWindow(window_);

    lut_ = vtkSmartPointer<vtkLookupTable>::New();
    lut_->SetScaleToLog10();
    lut_->SetHueRange(0.667, 0.0);
    lut_->SetUseBelowRangeColor(true);
    lut_->SetBelowRangeColor(0.85, 0.85, 0.85, 1);
    lut_->Build();
    bar_ = vtkSmartPointer<vtkScalarBarActor>::New();
    bar_->SetLookupTable(lut_);
    bar_->SetNumberOfLabels(5);
    bar_->SetLabelFormat("%.1e");
    bar_->SetMaximumWidthInPixels(110);
    bar_->SetPosition(0.1, 0.1);
    bar_->SetWidth(0.8);
    bar_->SetHeight(0.8);
    bar_->GetTitleTextProperty()->SetColor(0, 0, 0);
    bar_->GetLabelTextProperty()->SetColor(0, 0, 0);

    auto *row = new QHBoxLayout;
    row->addWidget(slider_, 1);
    row->addWidget(time_label_);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(vtk_, 1);
    layout->addLayout(row);
    layout->addWidget(note_);
    connect(slider_, &QSlider::valueChanged, this, &FieldView::show_index);
    retranslate();
  }

  FieldView::~FieldView() = default;

  void FieldView::retranslate()
  {
    bar_->SetTitle(tr("c (mg/mL)").toUtf8().constData());
    note_->setText(tr("Concentration in the patch and skin at the slider time (log scale, grey = none). Depth is not "
                      "to scale: each layer is drawn at least %1 % of the depth. Black: layer boundaries; orange: "
                      "the patch.")
                     .arg(int(100 * min_layer_fraction)));
    if (current_ >= 0)
      time_label_->setText(tr("t = %1 h").arg(times_h_[current_], 0, 'g', 4));
  }

  void FieldView::clear()
  {
    times_h_.clear();
    files_.clear();
    current_ = -1;
    renderer_->RemoveAllViewProps();
    legend_->RemoveAllViewProps();
    window_->Render();
  }

  bool FieldView::load(const QString &pvd_path, QString &error)
  {
    QFile file(pvd_path);
    if (!file.open(QIODevice::ReadOnly))
      {
        error = tr("Cannot open %1: %2").arg(pvd_path, file.errorString());
        return false;
      }
    std::vector<std::pair<double, QString>> entries;
    QXmlStreamReader xml(&file);
    const QDir       dir = QFileInfo(pvd_path).dir();
    while (!xml.atEnd())
      if (xml.readNext() == QXmlStreamReader::StartElement && xml.name() == QLatin1String("DataSet"))
        {
          bool         ok = false;
          const double t  = xml.attributes().value("timestep").toDouble(&ok);
          const QString f = xml.attributes().value("file").toString();
          if (!ok || f.isEmpty() || !QFileInfo::exists(dir.filePath(f)))
            {
              error = tr("%1: a DataSet entry has no valid timestep or file").arg(pvd_path);
              return false;
            }
          entries.emplace_back(t, dir.filePath(f));
        }
    if (xml.hasError() || entries.empty())
      {
        error = tr("%1: not a PVD time series (%2)").arg(pvd_path, xml.hasError() ? xml.errorString() : tr("no DataSet"));
        return false;
      }
    std::stable_sort(entries.begin(), entries.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    clear();
    legend_->AddActor2D(bar_);
    for (const auto &[t, f] : entries)
      times_h_.push_back(t), files_.push_back(f);
    find_range_and_layers();
    slider_->blockSignals(true);
    slider_->setRange(0, n_times() - 1);
    slider_->setValue(n_times() - 1);
    slider_->blockSignals(false);
    show_index(n_times() - 1);
    // A section is seen face-on; a block from above the patch side, at an angle.
    vtkCamera *camera = renderer_->GetActiveCamera();
    camera->SetFocalPoint(0, 0, 0);
    if (axisymmetric_)
      camera->SetPosition(0, 0, 1), camera->SetViewUp(0, 1, 0);
    else
      camera->SetPosition(1, -1.6, 1.1), camera->SetViewUp(0, 0, 1);
    camera->SetParallelProjection(axisymmetric_);
    renderer_->ResetCamera();
    window_->Render();
    return true;
  }

  vtkSmartPointer<vtkDataSet> FieldView::read(const int index) const
  {
    auto reader = vtkSmartPointer<vtkXMLGenericDataObjectReader>::New();
    reader->SetFileName(files_.at(index).toLocal8Bit().constData());
    reader->Update();
    vtkDataSet *data = vtkDataSet::SafeDownCast(reader->GetOutputDataObject(0));
    if (!data || data->GetCellData()->GetArray(layer_name) || !data->GetPointData()->GetArray(layer_name))
      return data;
    // deal.II's DataOut writes cell-wise vectors as point data (every cell has
    // its own copies of its vertices): turn layer_id back into cell data.
    auto to_cells = vtkSmartPointer<vtkPointDataToCellData>::New();
    to_cells->SetInputData(data);
    to_cells->PassPointDataOn();
    to_cells->SetProcessAllArrays(false);
    to_cells->AddPointDataArray(layer_name);
    to_cells->Update();
    return vtkDataSet::SafeDownCast(to_cells->GetOutputDataObject(0));
  }

  void FieldView::find_range_and_layers()
  {
    // Colour range over the whole run, so that times compare.
    double c_max = 0;
    for (int i = 0; i < n_times(); ++i)
      if (vtkSmartPointer<vtkDataSet> data = read(i))
        if (vtkDataArray *c = concentration(data))
          c_max = std::max(c_max, c->GetRange()[1]);
    range_[1] = c_max > 0 ? c_max : 1;
    range_[0] = range_[1] * 1e-4;
    lut_->SetTableRange(range_[0], range_[1]);
    lut_->Build();

    // Geometry from the first file: dimension, depth axis, layer extents.
    vtkSmartPointer<vtkDataSet> data = read(0);
    double                      bounds[6];
    data->GetBounds(bounds);
    axisymmetric_ = bounds[5] - bounds[4] == 0;
    depth_axis_   = axisymmetric_ ? 1 : 2;
    std::map<int, std::pair<double, double>> extent; // layer -> (min, max) along the depth axis
    std::map<int, double>                    sum, count;
    vtkDataArray *layer = data->GetCellData()->GetArray(layer_name);
    for (vtkIdType cell = 0; layer && cell < data->GetNumberOfCells(); ++cell)
      {
        const int id = int(std::lround(layer->GetTuple1(cell)));
        double    cb[6];
        data->GetCellBounds(cell, cb);
        auto [it, fresh] = extent.try_emplace(id, cb[2 * depth_axis_], cb[2 * depth_axis_ + 1]);
        if (!fresh)
          it->second = {std::min(it->second.first, cb[2 * depth_axis_]),
                        std::max(it->second.second, cb[2 * depth_axis_ + 1])};
        sum[id] += 0.5 * (cb[2 * depth_axis_] + cb[2 * depth_axis_ + 1]);
        count[id] += 1;
      }
    n_layers_ = int(extent.size());
    const double lo = bounds[2 * depth_axis_], hi = bounds[2 * depth_axis_ + 1];
    // Layer 0 (the patch, outermost) drawn on top: flip if it lies at the low end.
    const bool flip = n_layers_ > 1 && sum.begin()->second / count.begin()->second <
                                         sum.rbegin()->second / count.rbegin()->second;
    std::vector<double> faces = {lo, hi};
    for (const auto &[id, e] : extent)
      faces.push_back(e.first), faces.push_back(e.second);
    for (double &f : faces)
      f = flip ? -f : f;
    std::sort(faces.begin(), faces.end());
    const double total = faces.back() - faces.front();
    faces.erase(std::unique(faces.begin(), faces.end(),
                            [total](double a, double b) { return std::abs(a - b) <= 1e-9 * total; }),
                faces.end());
    true_faces_ = faces;
    // Every layer at least min_layer_fraction of the depth, then the depth
    // stretched to 35 % of the shown width.
    const double width = axisymmetric_ ? 2 * (bounds[1] - bounds[0]) : std::max(bounds[1] - bounds[0], bounds[3] - bounds[2]);
    std::vector<double> heights;
    for (std::size_t i = 1; i < faces.size(); ++i)
      heights.push_back(std::max(faces[i] - faces[i - 1], min_layer_fraction * total));
    const double scale = 0.35 * width / std::accumulate(heights.begin(), heights.end(), 0.);
    shown_faces_       = {0};
    for (double h : heights)
      shown_faces_.push_back(shown_faces_.back() + scale * h);
    depth_flip_ = flip;
  }

  vtkSmartPointer<vtkDataSet> FieldView::display_geometry(vtkDataSet *data) const
  {
    auto grid = vtkSmartPointer<vtkUnstructuredGrid>::New();
    grid->DeepCopy(data);
    vtkPoints *points = grid->GetPoints();
    for (vtkIdType i = 0; points && i < points->GetNumberOfPoints(); ++i)
      {
        double p[3];
        points->GetPoint(i, p);
        const double up    = depth_flip_ ? -p[depth_axis_] : p[depth_axis_];
        p[depth_axis_]     = piecewise_linear(true_faces_, shown_faces_, up);
        points->SetPoint(i, p);
      }
    if (!axisymmetric_)
      return grid;
    // (r, z) section mirrored about the axis r = 0.
    auto mirror = vtkSmartPointer<vtkReflectionFilter>::New();
    mirror->SetInputData(grid);
    mirror->SetPlaneToXMin();
    mirror->CopyInputOn();
    mirror->Update();
    return vtkDataSet::SafeDownCast(mirror->GetOutputDataObject(0));
  }

  void FieldView::show_index(const int index)
  {
    if (index < 0 || index >= n_times())
      return;
    current_ = index;
    if (slider_->value() != index)
      slider_->setValue(index);
    vtkSmartPointer<vtkDataSet> data = read(index);
    if (!data)
      return;
    vtkSmartPointer<vtkDataSet> shown = display_geometry(data);
    renderer_->RemoveAllViewProps();

    auto mapper = vtkSmartPointer<vtkDataSetMapper>::New();
    mapper->SetInputData(shown);
    mapper->SetScalarModeToUsePointFieldData();
    if (vtkDataArray *c = concentration(shown))
      mapper->SelectColorArray(c->GetName());
    mapper->SetLookupTable(lut_);
    mapper->UseLookupTableScalarRangeOn();
    mapper->ScalarVisibilityOn();
    auto field = vtkSmartPointer<vtkActor>::New();
    field->SetMapper(mapper);
    renderer_->AddActor(field);

    // Layer boundaries (black) and the patch outline (orange, layer 0).
    for (int id = 0; id < n_layers_ && shown->GetCellData()->GetArray(layer_name); ++id)
      {
        auto layer = vtkSmartPointer<vtkThreshold>::New();
        layer->SetInputData(shown);
        layer->SetInputArrayToProcess(0, 0, 0, vtkDataObject::FIELD_ASSOCIATION_CELLS, layer_name);
        layer->SetLowerThreshold(id - 0.5);
        layer->SetUpperThreshold(id + 0.5);
        layer->SetThresholdFunction(vtkThreshold::THRESHOLD_BETWEEN);
        auto surface = vtkSmartPointer<vtkGeometryFilter>::New();
        surface->SetInputConnection(layer->GetOutputPort());
        // Finite-element output repeats each vertex per cell: merge them, or
        // every cell edge would count as a boundary.
        auto merged = vtkSmartPointer<vtkCleanPolyData>::New();
        merged->SetInputConnection(surface->GetOutputPort());
        merged->PointMergingOn();
        merged->SetTolerance(1e-9);
        auto edges = vtkSmartPointer<vtkFeatureEdges>::New();
        edges->SetInputConnection(merged->GetOutputPort());
        edges->BoundaryEdgesOn();
        edges->SetFeatureEdges(!axisymmetric_);
        edges->SetFeatureAngle(60);
        edges->ManifoldEdgesOff();
        edges->NonManifoldEdgesOff();
        edges->ColoringOff();
        auto lines = vtkSmartPointer<vtkPolyDataMapper>::New();
        lines->SetInputConnection(edges->GetOutputPort());
        lines->ScalarVisibilityOff();
        auto outline = vtkSmartPointer<vtkActor>::New();
        outline->SetMapper(lines);
        const bool patch = id == 0;
        outline->GetProperty()->SetColor(patch ? 0.95 : 0.1, patch ? 0.55 : 0.1, patch ? 0.1 : 0.1);
        outline->GetProperty()->SetLineWidth(patch ? 3 : 1.5);
        renderer_->AddActor(outline);
      }
    time_label_->setText(tr("t = %1 h").arg(times_h_[index], 0, 'g', 4));
    window_->Render();
    vtk_->update();
  }
} // namespace dermatwin::gui
