// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_column_view_h
#define dermatwin_gui_column_view_h

#include <dermatwin/studies/scenario.h>

#include <QWidget>

#include <vtkSmartPointer.h>

class QVTKOpenGLNativeWidget;
class QLabel;
class vtkGenericOpenGLRenderWindow;
class vtkRenderer;
class vtkLookupTable;
class vtkScalarBarActor;

namespace dermatwin::gui
{
  /**
   * VTK field view of a 1D run: the skin under one patch as a block of
   * stacked layers coloured by concentration (log scale, fixed over the
   * run so times compare) at the chosen output time, with layer labels and
   * a colour bar. Layers are drawn at least 15 % of the column high so the
   * thin stratum corneum stays visible (not to scale).
   */
  class ColumnView : public QWidget
  {
    Q_OBJECT
  public:
    explicit ColumnView(QWidget *parent = nullptr);
    ~ColumnView() override;
    void show_profile(const studies::DepthProfiles &profiles, double time_h, std::size_t row);
    void clear();
    void retranslate();
    QVTKOpenGLNativeWidget *vtk_widget() const { return vtk_; }

  private:
    double display_depth(const studies::DepthProfiles &p, double depth_um) const;

    QVTKOpenGLNativeWidget                         *vtk_;
    QLabel                                         *note_;
    vtkSmartPointer<vtkGenericOpenGLRenderWindow>   window_;
    vtkSmartPointer<vtkRenderer>                    renderer_;
    vtkSmartPointer<vtkLookupTable>                 lut_;
    vtkSmartPointer<vtkScalarBarActor>              bar_;
  };
} // namespace dermatwin::gui

#endif
