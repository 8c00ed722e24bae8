// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_field_highlighter_h
#define dermatwin_gui_field_highlighter_h

#include <QPointer>
#include <QString>
#include <QWidget>

#include <map>

namespace dermatwin::gui
{
  /**
   * Which input widget edits which study key, so that a StudyError naming a
   * key (e.g. "patient.age_years") can mark the widget and show the message
   * (with the allowed range) on it.
   */
  class FieldHighlighter
  {
  public:
    void add(const QString &key, QWidget *widget);
    /// Marks the widget of @p key (or of its nearest parent key); returns
    /// true if one was found. Clears earlier marks first.
    bool highlight(const QString &key, const QString &message);
    void clear();

  private:
    std::map<QString, QPointer<QWidget>> widgets_;
    QPointer<QWidget>                    marked_;
    QString                              saved_tooltip_;
  };
} // namespace dermatwin::gui

#endif
