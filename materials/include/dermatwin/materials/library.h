// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_materials_library_h
#define dermatwin_materials_library_h

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace dermatwin::materials
{
  /// A number from the library: value, unit, and where it comes from.
  struct Quantity
  {
    double      value = 0;
    std::string unit;
    std::string source;     ///< key into the source list
    std::string confidence; ///< measured | model | estimated
    std::string note;
  };

  /**
   * A tabulated dependence, e.g. a thickness factor over age: piecewise
   * linear in x, constant beyond the ends.
   */
  struct Table
  {
    std::string         x_name; ///< e.g. "age_years"
    std::vector<double> x, y;
    std::string         unit, source, confidence, note;
    double              at(double x_value) const;
  };

  /// A literature reference.
  struct Source
  {
    std::string key, citation;
  };

  /**
   * One library entry (a drug, a product or a body site). Its numbers are
   * kept under dotted key paths, e.g. "skin.stratum_corneum.partition_coefficient",
   * each with its source; text attributes (name, design, drug) apart.
   */
  class Record
  {
  public:
    std::string id, kind, file;
    std::map<std::string, std::string> text;
    std::vector<std::pair<std::string, Quantity>> quantities; ///< file order
    std::vector<std::pair<std::string, Table>>    tables;     ///< file order

    bool has(const std::string &key) const;
    const Quantity &quantity(const std::string &key) const; ///< throws if absent
    double value(const std::string &key) const { return quantity(key).value; }
    std::string text_or(const std::string &key, const std::string &fallback) const;
    /// Value if present, else @p fallback.
    double value_or(const std::string &key, double fallback) const;
    bool has_table(const std::string &key) const;
    const Table &table(const std::string &key) const; ///< throws if absent
  };

  class LibraryError : public std::runtime_error
  {
  public:
    using std::runtime_error::runtime_error;
  };

  /**
   * The material library: every YAML file under
   * resources/{drugs,products,sites,acupoints,models}, with the citations in
   * resources/sources.yaml and resources/sources/ (one YAML file per topic). Loading checks that every number has a
   * unit, a confidence and a source that resolves to a citation.
   */
  class Library
  {
  public:
    /// Loads from @p resource_dir, or (empty) from $DERMATWIN_RESOURCES or
    /// the source tree's resources/ folder.
    explicit Library(const std::string &resource_dir = "");

    /// The shared library loaded from the default location.
    static const Library &standard();

    const Record &drug(const std::string &id) const;
    const Record &product(const std::string &id) const;
    const Record &site(const std::string &id) const;
    const Record &acupoint(const std::string &id) const;
    /// Library-wide data that is not an entry (e.g. "skin_ageing"), by file stem
    /// under resources/models/.
    const Record &model(const std::string &id) const;
    bool has_acupoint(const std::string &id) const { return acupoints_.count(id) > 0; }
    bool has_model(const std::string &id) const { return models_.count(id) > 0; }
    std::vector<std::string> acupoint_ids() const;
    bool has_drug(const std::string &id) const { return drugs_.count(id) > 0; }
    bool has_product(const std::string &id) const { return products_.count(id) > 0; }
    bool has_site(const std::string &id) const { return sites_.count(id) > 0; }
    std::vector<std::string> drug_ids() const;
    std::vector<std::string> product_ids() const;
    std::vector<std::string> site_ids() const;
    const Source &source(const std::string &key) const;
    const std::string &resource_dir() const { return dir_; }

  private:
    void load_folder(const std::string &folder, const std::string &kind,
                     std::map<std::string, Record> &into);
    static const Record &find(const std::map<std::string, Record> &records,
                              const std::string &kind, const std::string &id);

    std::string                   dir_;
    std::map<std::string, Source> sources_;
    std::map<std::string, Record> drugs_, products_, sites_, acupoints_, models_;
  };

  /// "a, b, c" for error messages.
  std::string join(const std::vector<std::string> &items, const std::string &separator = ", ");
} // namespace dermatwin::materials

#endif
