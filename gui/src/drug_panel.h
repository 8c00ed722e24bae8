// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_drug_panel_h
#define dermatwin_gui_drug_panel_h

#include "field_highlighter.h"
#include "study_document.h"

#include <QWidget>

#include <map>

class QComboBox;
class QFormLayout;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QTableWidget;

namespace dermatwin::gui
{
  /**
   * The drug (library entry, or a custom molecule: MW and log Kow, with the
   * QSPR skin transport estimate), the label facts of a product, and a
   * custom patch for the selected application.
   */
  class DrugPanel : public QWidget
  {
    Q_OBJECT
  public:
    DrugPanel(StudyDocument &document, FieldHighlighter &highlighter, QWidget *parent = nullptr);
    void retranslate();
    void set_selected_application(int index);

  private:
    void refresh();
    void show_drug_facts();
    void show_product_facts(const QString &product);
    void update_qspr();
    void use_custom_drug();
    void apply_custom_patch();
    QDoubleSpinBox *add_number(QFormLayout *form, QLabel *&label, double min, double max,
                               int decimals, double value, const QString &key, FieldHighlighter &h);

    StudyDocument  &document_;
    QGroupBox      *drug_box_, *product_box_, *patch_box_;
    QRadioButton   *library_drug_, *custom_drug_;
    QComboBox      *drug_combo_, *product_combo_;
    QLineEdit      *custom_name_;
    QDoubleSpinBox *mw_, *log_kow_, *clearance_, *volume_;
    QDoubleSpinBox *area_, *load_, *thickness_, *diffusivity_, *solubility_;
    QLabel         *mw_label_, *log_kow_label_, *clearance_label_, *volume_label_, *name_label_;
    QLabel         *area_label_, *load_label_, *thickness_label_, *diffusivity_label_, *solubility_label_;
    QLabel         *qspr_, *patch_target_;
    QPushButton    *use_custom_, *apply_patch_;
    QTableWidget   *drug_facts_, *product_facts_;
    int             selected_   = 0;
    bool            refreshing_ = false;
  };
} // namespace dermatwin::gui

#endif
