// SPDX-License-Identifier: LGPL-2.1-or-later
#include "column_view.h"

#include "layer_display.h"

#include <QLabel>
#include <QVBoxLayout>

#include <QVTKOpenGLNativeWidget.h>
#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkDataSetMapper.h>
#include <vtkDoubleArray.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkLineSource.h>
#include <vtkLookupTable.h>
#include <vtkPolyDataMapper.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkStructuredGrid.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>

#include <algorithm>
#include <cmath>

namespace dermatwin::gui
{
  namespace
  {
    constexpr double column_height = 3.0, column_width = 1.0, column_thickness = 0.6;
  } // namespace

  ColumnView::ColumnView(QWidget *parent)
    : QWidget(parent)
    , vtk_(new QVTKOpenGLNativeWidget(this))
    , note_(new QLabel(this))
    , window_(vtkSmartPointer<vtkGenericOpenGLRenderWindow>::New())
    , renderer_(vtkSmartPointer<vtkRenderer>::New())
    , lut_(vtkSmartPointer<vtkLookupTable>::New())
    , bar_(vtkSmartPointer<vtkScalarBarActor>::New())
  {
    vtk_->setRenderWindow(window_);
    window_->AddRenderer(renderer_);
    renderer_->SetBackground(1, 1, 1);
    renderer_->SetBackground2(0.86, 0.9, 0.95);
    renderer_->GradientBackgroundOn();
    lut_->SetScaleToLog10();
    lut_->SetHueRange(0.667, 0.0);
    lut_->SetBelowRangeColor(0.85, 0.85, 0.85, 1);
    lut_->UseBelowRangeColorOn();
    lut_->Build();
    bar_->SetLookupTable(lut_);
    bar_->SetNumberOfLabels(5);
    bar_->SetLabelFormat("%.1e");
    bar_->GetTitleTextProperty()->SetColor(0.1, 0.1, 0.1);
    bar_->GetLabelTextProperty()->SetColor(0.1, 0.1, 0.1);
    bar_->GetTitleTextProperty()->ItalicOff();
    bar_->GetLabelTextProperty()->ItalicOff();
    bar_->SetPosition(0.82, 0.1);
    bar_->SetWidth(0.14);
    bar_->SetHeight(0.8);
    note_->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(vtk_, 1);
    layout->addWidget(note_);
    retranslate();
  }

  ColumnView::~ColumnView() = default;

  void ColumnView::retranslate()
  {
    bar_->SetTitle(tr("c (mg/mL)").toUtf8().constData());
    note_->setText(tr("The skin under the chosen patch, coloured by concentration at the slider time "
                      "(log scale, grey = none). Layers are not to scale: each is drawn at least %1 % "
                      "of the column.")
                     .arg(int(100 * min_layer_share)));
  }

  double ColumnView::display_depth(const studies::DepthProfiles &p, const double depth_um) const
  {
    return -display_fraction(p, depth_um) * column_height;
  }

  void ColumnView::clear()
  {
    renderer_->RemoveAllViewProps();
    window_->Render();
  }

  void ColumnView::show_profile(const studies::DepthProfiles &p, const double time_h, const std::size_t row)
  {
    renderer_->RemoveAllViewProps();
    if (row >= p.concentration_mg_per_mL.size() || p.depth_um.empty())
      return;
    double c_max = 0;
    for (const auto &r : p.concentration_mg_per_mL)
      for (double c : r)
        c_max = std::max(c_max, c);
    lut_->SetTableRange(c_max > 0 ? c_max * 1e-4 : 1e-6, c_max > 0 ? c_max : 1e-2);
    lut_->Build();

    // A structured block: x across, y depth (downwards), z thickness.
    const std::vector<double> &c = p.concentration_mg_per_mL[row];
    const int                  n = int(p.depth_um.size());
    auto grid   = vtkSmartPointer<vtkStructuredGrid>::New();
    auto points = vtkSmartPointer<vtkPoints>::New();
    auto values = vtkSmartPointer<vtkDoubleArray>::New();
    values->SetName("concentration_mg_per_mL");
    grid->SetDimensions(2, n, 2);
    for (int k = 0; k < 2; ++k)
      for (int j = 0; j < n; ++j)
        for (int i = 0; i < 2; ++i)
          {
            points->InsertNextPoint(i * column_width, display_depth(p, p.depth_um[j]), k * column_thickness);
            values->InsertNextValue(c[j]);
          }
    grid->SetPoints(points);
    grid->GetPointData()->SetScalars(values);
    auto mapper = vtkSmartPointer<vtkDataSetMapper>::New();
    mapper->SetInputData(grid);
    mapper->SetLookupTable(lut_);
    mapper->UseLookupTableScalarRangeOn();
    mapper->SetColorModeToMapScalars();
    mapper->InterpolateScalarsBeforeMappingOn();
    auto block = vtkSmartPointer<vtkActor>::New();
    block->SetMapper(mapper);
    block->GetProperty()->SetAmbient(0.45);
    block->GetProperty()->SetDiffuse(0.65);
    renderer_->AddActor(block);

    // Layer boundaries (lines on the front face) and names.
    for (std::size_t l = 0; l < p.layer_names.size(); ++l)
      {
        auto boundary = vtkSmartPointer<vtkLineSource>::New();
        const double y_top = display_depth(p, p.layer_top_um[l]);
        boundary->SetPoint1(0, y_top, column_thickness + 1e-3);
        boundary->SetPoint2(column_width, y_top, column_thickness + 1e-3);
        auto line_mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
        line_mapper->SetInputConnection(boundary->GetOutputPort());
        auto line = vtkSmartPointer<vtkActor>::New();
        line->SetMapper(line_mapper);
        line->GetProperty()->SetColor(0.1, 0.1, 0.1);
        line->GetProperty()->SetLineWidth(2);
        renderer_->AddActor(line);
        const double bottom = l + 1 < p.layer_top_um.size() ? p.layer_top_um[l + 1] : p.skin_thickness_um;
        const double y_mid  = 0.5 * (display_depth(p, p.layer_top_um[l]) + display_depth(p, bottom));
        auto         label  = vtkSmartPointer<vtkTextActor>::New();
        label->SetInput((p.layer_names[l] + "  " + std::to_string(int(std::round(bottom - p.layer_top_um[l]))) +
                         " um").c_str());
        label->GetPositionCoordinate()->SetCoordinateSystemToWorld();
        label->GetPositionCoordinate()->SetValue(column_width + 0.25, y_mid, column_thickness);
        label->GetTextProperty()->SetFontSize(15);
        label->GetTextProperty()->SetColor(0.1, 0.1, 0.1);
        label->GetTextProperty()->SetVerticalJustificationToCentered();
        renderer_->AddActor2D(label);
      }
    auto title = vtkSmartPointer<vtkTextActor>::New();
    char text[256];
    std::snprintf(text, sizeof text, "%s   t = %.1f h", p.label.c_str(), time_h);
    title->SetInput(text);
    title->GetPositionCoordinate()->SetCoordinateSystemToNormalizedViewport();
    title->GetPositionCoordinate()->SetValue(0.03, 0.93);
    title->GetTextProperty()->SetFontSize(17);
    title->GetTextProperty()->SetColor(0.1, 0.1, 0.1);
    renderer_->AddActor2D(title);
    renderer_->AddActor2D(bar_);

    vtkCamera *camera = renderer_->GetActiveCamera();
    camera->SetFocalPoint(column_width * 0.9, -column_height / 2, column_thickness / 2);
    camera->SetPosition(column_width * 0.9 + 1.2, -column_height / 2 + 1.2, 9);
    camera->SetViewUp(0, 1, 0);
    camera->ParallelProjectionOn();
    camera->SetParallelScale(column_height * 0.62);
    window_->Render();
  }
} // namespace dermatwin::gui
