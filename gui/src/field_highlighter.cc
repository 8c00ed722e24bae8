// SPDX-License-Identifier: LGPL-2.1-or-later
#include "field_highlighter.h"

#include <QVariant>

namespace dermatwin::gui
{
  void FieldHighlighter::add(const QString &key, QWidget *widget)
  {
    widgets_[key] = widget;
  }

  bool FieldHighlighter::highlight(const QString &key, const QString &message)
  {
    clear();
    QString k = key;
    while (!k.isEmpty())
      {
        const auto found = widgets_.find(k);
        if (found != widgets_.end() && found->second)
          {
            marked_        = found->second;
            saved_tooltip_ = marked_->toolTip();
            marked_->setProperty("invalid", true);
            marked_->setStyleSheet("background-color: #ffd6d6; border: 1px solid #c00000;");
            marked_->setToolTip(message);
            return true;
          }
        const int dot = k.lastIndexOf('.');
        k             = dot < 0 ? QString() : k.left(dot);
      }
    return false;
  }

  void FieldHighlighter::clear()
  {
    if (marked_)
      {
        marked_->setStyleSheet(QString());
        marked_->setToolTip(saved_tooltip_);
        marked_->setProperty("invalid", false);
      }
    marked_ = nullptr;
  }
} // namespace dermatwin::gui
