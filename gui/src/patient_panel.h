// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_patient_panel_h
#define dermatwin_gui_patient_panel_h

#include "field_highlighter.h"
#include "study_document.h"

#include <QWidget>

#include <map>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QTableWidget;
class QTextBrowser;
class QGroupBox;

namespace dermatwin::gui
{
  /**
   * Patient (age, sex, weight) and the skin that follows for a chosen site
   * or acupoint, resolved by studies::SkinResolver with each value's source.
   * Individual skin factors (patient.skin_factors) override the library;
   * overridden values are marked.
   */
  class PatientPanel : public QWidget
  {
    Q_OBJECT
  public:
    PatientPanel(StudyDocument &document, FieldHighlighter &highlighter, QWidget *parent = nullptr);
    void retranslate();
    /// Shows the skin of a site (kind 0) or acupoint (kind 1).
    void show_place(int kind, const QString &id);
    QString place_id() const { return place_id_; }

  private:
    void refresh();
    void update_skin();

    StudyDocument  &document_;
    QDoubleSpinBox *age_, *weight_;
    QComboBox      *sex_;
    std::map<std::string, QDoubleSpinBox *> factors_;
    QLabel         *age_label_, *sex_label_, *weight_label_, *place_label_, *factor_note_;
    QGroupBox      *person_box_, *skin_box_, *factor_box_;
    std::map<std::string, QLabel *> factor_labels_;
    QTableWidget   *layers_;
    QTextBrowser   *sources_;
    int             place_kind_ = 0;
    QString         place_id_   = "upper_arm_outer";
    bool            refreshing_ = false;
  };
} // namespace dermatwin::gui

#endif
