// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_field_view_h
#define dermatwin_gui_field_view_h

#include <QString>
#include <QWidget>

#include <vtkSmartPointer.h>

#include <vector>

class QLabel;
class QSlider;
class QVTKOpenGLNativeWidget;
class vtkDataSet;
class vtkGenericOpenGLRenderWindow;
class vtkLookupTable;
class vtkRenderer;
class vtkScalarBarActor;

namespace dermatwin::gui
{
  /**
   * VTK view of the concentration field of an axisymmetric or 3D run, read
   * from the run's `fields/fields.pvd` time series (VTU/PVTU files with
   * point data `concentration_mg_per_mL` and `layer_id` as cell data or, as
   * deal.II writes it, per-cell point data; layer 0 is the patch, outermost first).
   *
   * An axisymmetric (r, depth) section is mirrored about the axis so the
   * patch sits in the middle; a 3D block is shown as its outer surface.
   * Skin layers differ 100-fold in thickness, so depth is drawn piecewise
   * linearly with every layer at least min_layer_fraction of the displayed
   * depth (not to scale, like the 1D column), and the whole depth is
   * stretched to a readable aspect. Layer boundaries are black lines, the
   * patch outline orange; colours are log10 c over the whole run (so times
   * compare) with a colour bar; a slider picks the output time.
   */
  class FieldView : public QWidget
  {
    Q_OBJECT
  public:
    explicit FieldView(QWidget *parent = nullptr);
    ~FieldView() override;

    /// Reads the time list of a PVD file and shows the last time. On
    /// failure returns false with a message in @p error.
    bool load(const QString &pvd_path, QString &error);
    void clear();
    void retranslate();

    int         n_times() const { return int(times_h_.size()); }
    double      time_h(int index) const { return times_h_.at(index); }
    void        show_index(int index);
    int         current_index() const { return current_; }
    /// Colour range of the run [mg/mL] (log scale).
    double      range_min() const { return range_[0]; }
    double      range_max() const { return range_[1]; }
    /// Number of layers found in the files (layer_id values).
    int         n_layers() const { return n_layers_; }
    QVTKOpenGLNativeWidget *vtk_widget() const { return vtk_; }

    static constexpr double min_layer_fraction = 0.12;

  private:
    vtkSmartPointer<vtkDataSet> read(int index) const;
    void                        find_range_and_layers();
    vtkSmartPointer<vtkDataSet> display_geometry(vtkDataSet *data) const;

    QVTKOpenGLNativeWidget                       *vtk_;
    QSlider                                      *slider_;
    QLabel                                       *time_label_, *note_;
    vtkSmartPointer<vtkGenericOpenGLRenderWindow> window_;
    vtkSmartPointer<vtkRenderer>                  renderer_, legend_;
    vtkSmartPointer<vtkLookupTable>               lut_;
    vtkSmartPointer<vtkScalarBarActor>            bar_;
    std::vector<double>                           times_h_;
    std::vector<QString>                          files_;
    double                                        range_[2] = {1e-6, 1};
    int                                           n_layers_ = 0, current_ = -1;
    int                                           depth_axis_ = 1; ///< 1 for (r, z) sections, 2 in 3D
    bool                                          axisymmetric_ = true, depth_flip_ = false;
    /// Layer faces along the depth axis, ascending, in "up" coordinates (the
    /// depth coordinate, negated if the patch lies at its low end), and
    /// where they are drawn.
    std::vector<double> true_faces_, shown_faces_;
  };
} // namespace dermatwin::gui

#endif
