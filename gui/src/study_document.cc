// SPDX-License-Identifier: LGPL-2.1-or-later
#include "study_document.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <sstream>

namespace dermatwin::gui
{
  namespace
  {
    const char *default_study = R"(format: dermatwin-study/1
name: Fentanyl 25 ug/h on the upper arm
patient: {age_years: 45, sex: female, body_weight_kg: 70}
drug: fentanyl
application:
  - {product: durogesic_dtrans_25, site: upper_arm_outer, apply_h: 0, remove_h: 72}
pk: library
simulation: {geometry: 1d, end_h: 120, output_every_h: 0.5, accuracy: default}
)";

    std::vector<std::string> split_path(const std::string &dotted)
    {
      std::vector<std::string> parts;
      std::stringstream        in(dotted);
      for (std::string part; std::getline(in, part, '.');)
        parts.push_back(part);
      return parts;
    }

    bool is_index(const std::string &part)
    {
      return !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
    }

    /// Child of @p node (sequence index or map key); undefined if absent.
    YAML::Node child(const YAML::Node &node, const std::string &part)
    {
      if (node.IsSequence() && is_index(part))
        {
          const std::size_t i = std::stoul(part);
          return i < node.size() ? node[i] : YAML::Node(YAML::NodeType::Undefined);
        }
      if (node.IsMap() && node[part])
        return node[part];
      return YAML::Node(YAML::NodeType::Undefined);
    }
  } // namespace

  StudyDocument::StudyDocument(QObject *parent)
    : QObject(parent)
  {
    root_ = YAML::Load(default_study);
  }

  void StudyDocument::new_study()
  {
    root_  = YAML::Load(default_study);
    path_.clear();
    Q_EMIT path_changed(path_);
    set_dirty(false);
    Q_EMIT changed();
  }

  bool StudyDocument::load(const QString &path, QString &error)
  {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
      {
        error = tr("Cannot open %1: %2").arg(path, file.errorString());
        return false;
      }
    try
      {
        YAML::Node root = YAML::Load(file.readAll().toStdString());
        if (!root.IsMap())
          {
            error = tr("%1 is not a study (expected a YAML mapping)").arg(path);
            return false;
          }
        root_ = root;
      }
    catch (const YAML::Exception &e)
      {
        error = tr("%1: YAML error: %2").arg(path, QString::fromStdString(e.what()));
        return false;
      }
    path_ = path;
    Q_EMIT path_changed(path_);
    set_dirty(false);
    Q_EMIT changed();
    return true;
  }

  bool StudyDocument::save(const QString &path, QString &error)
  {
    QSaveFile file(path); // written to a temporary file, renamed on commit
    if (!file.open(QIODevice::WriteOnly))
      {
        error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
      }
    file.write(QByteArray::fromStdString(text()));
    if (!file.commit())
      {
        error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
      }
    path_ = path;
    Q_EMIT path_changed(path_);
    set_dirty(false);
    return true;
  }

  bool StudyDocument::set_text(const std::string &yaml_text, QString &error)
  {
    try
      {
        YAML::Node root = YAML::Load(yaml_text);
        if (!root.IsMap())
          {
            error = tr("expected a YAML mapping");
            return false;
          }
        root_ = root;
      }
    catch (const YAML::Exception &e)
      {
        error = QString::fromStdString(e.what());
        return false;
      }
    mark_dirty();
    return true;
  }

  QString StudyDocument::display_name() const
  {
    return path_.isEmpty() ? tr("untitled.yaml") : QFileInfo(path_).fileName();
  }

  std::string StudyDocument::text() const
  {
    YAML::Emitter out;
    out << root_;
    return std::string(out.c_str()) + "\n";
  }

  YAML::Node StudyDocument::get(const std::string &dotted_path) const
  {
    YAML::Node node = YAML::Clone(root_);
    for (const std::string &part : split_path(dotted_path))
      {
        YAML::Node next = child(node, part);
        if (!next.IsDefined())
          return next;
        node.reset(next);
      }
    return node;
  }

  std::string StudyDocument::get_text(const std::string &dotted_path, const std::string &fallback) const
  {
    const YAML::Node node = get(dotted_path);
    return node.IsDefined() && node.IsScalar() ? node.Scalar() : fallback;
  }

  double StudyDocument::get_number(const std::string &dotted_path, const double fallback) const
  {
    const YAML::Node node = get(dotted_path);
    try
      {
        return node.IsDefined() && node.IsScalar() ? node.as<double>() : fallback;
      }
    catch (const YAML::Exception &)
      {
        return fallback;
      }
  }

  bool StudyDocument::has(const std::string &dotted_path) const
  {
    return get(dotted_path).IsDefined();
  }

  void StudyDocument::set(const std::string &dotted_path, const YAML::Node &value)
  {
    const std::vector<std::string> parts = split_path(dotted_path);
    YAML::Node                     node  = root_;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i)
      {
        YAML::Node next = child(node, parts[i]);
        if (!next.IsDefined() || !(next.IsMap() || next.IsSequence()))
          {
            node[parts[i]] = YAML::Node(YAML::NodeType::Map);
            next           = node[parts[i]];
          }
        node.reset(next);
      }
    const std::string &last = parts.back();
    if (node.IsSequence() && is_index(last))
      node[std::stoul(last)] = value;
    else
      node[last] = value;
    mark_dirty();
  }

  void StudyDocument::set_number(const std::string &dotted_path, const double value)
  {
    set(dotted_path, YAML::Node(value));
  }

  void StudyDocument::set_text_value(const std::string &dotted_path, const std::string &value)
  {
    set(dotted_path, YAML::Node(value));
  }

  void StudyDocument::remove(const std::string &dotted_path)
  {
    const std::vector<std::string> parts = split_path(dotted_path);
    YAML::Node                     node  = root_;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i)
      {
        YAML::Node next = child(node, parts[i]);
        if (!next.IsDefined())
          return;
        node.reset(next);
      }
    if (node.IsMap() && node[parts.back()])
      {
        node.remove(parts.back());
        mark_dirty();
      }
  }

  int StudyDocument::application_count() const
  {
    const YAML::Node list = root_["application"];
    return list && list.IsSequence() ? int(list.size()) : 0;
  }

  void StudyDocument::add_application(const YAML::Node &entry)
  {
    if (!root_["application"] || !root_["application"].IsSequence())
      root_["application"] = YAML::Node(YAML::NodeType::Sequence);
    YAML::Node list = root_["application"];
    list.push_back(entry);
    mark_dirty();
  }

  void StudyDocument::remove_application(const int index)
  {
    YAML::Node list = root_["application"];
    if (!list || !list.IsSequence() || index < 0 || index >= int(list.size()))
      return;
    YAML::Node kept(YAML::NodeType::Sequence);
    for (int i = 0; i < int(list.size()); ++i)
      if (i != index)
        kept.push_back(list[i]);
    root_["application"] = kept;
    mark_dirty();
  }

  void StudyDocument::mark_dirty()
  {
    set_dirty(true);
    Q_EMIT changed();
  }

  void StudyDocument::set_dirty(const bool dirty)
  {
    if (dirty_ == dirty)
      return;
    dirty_ = dirty;
    Q_EMIT dirty_changed(dirty_);
  }
} // namespace dermatwin::gui
