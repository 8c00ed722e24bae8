// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_study_document_h
#define dermatwin_gui_study_document_h

#include <QObject>
#include <QString>

#include <yaml-cpp/yaml.h>

#include <string>

namespace dermatwin::gui
{
  /**
   * The study being edited: a YAML tree in the study format
   * (docs/study-format.md), with its file name and an unsaved-changes flag.
   * Keys are addressed by dotted paths as in `dermatwin run --set`
   * ("patient.age_years", "application.0.site"). The document does not
   * check values: studies::parse_study does that on the text().
   */
  class StudyDocument : public QObject
  {
    Q_OBJECT
  public:
    explicit StudyDocument(QObject *parent = nullptr);

    /// A fresh study: fentanyl 25 ug/h on the upper arm for 72 h.
    void new_study();
    /// Reads @p path; on failure returns false with a message in @p error
    /// and leaves the document unchanged.
    bool load(const QString &path, QString &error);
    bool save(const QString &path, QString &error);
    /// Replaces the whole tree from YAML text (marks the document dirty).
    bool set_text(const std::string &yaml_text, QString &error);

    QString path() const { return path_; }
    bool    dirty() const { return dirty_; }
    QString display_name() const;
    std::string text() const;

    /// The node at a dotted path (undefined if absent).
    YAML::Node get(const std::string &dotted_path) const;
    std::string get_text(const std::string &dotted_path, const std::string &fallback = "") const;
    double      get_number(const std::string &dotted_path, double fallback) const;
    bool        has(const std::string &dotted_path) const;
    /// Sets a value, creating missing mapping keys; emits changed().
    void set(const std::string &dotted_path, const YAML::Node &value);
    void set_number(const std::string &dotted_path, double value);
    void set_text_value(const std::string &dotted_path, const std::string &value);
    void remove(const std::string &dotted_path);

    /// The `application` list.
    int  application_count() const;
    void add_application(const YAML::Node &entry);
    void remove_application(int index);

  Q_SIGNALS:
    void changed();
    void dirty_changed(bool dirty);
    void path_changed(const QString &path);

  private:
    void mark_dirty();
    void set_dirty(bool dirty);

    YAML::Node root_;
    QString    path_;
    bool       dirty_ = false;
  };
} // namespace dermatwin::gui

#endif
