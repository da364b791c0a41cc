// A small JSON Schema checker for tests: the subset docs/report-schema.md
// uses (type, const, enum, required, properties, additionalProperties, items,
// minItems, maxItems, minimum, allOf, local $ref). nlohmann-json has no
// validator; this is enough to hold report.json to its documented contract.
// Every violation is one string, "PATH: why", so a failure says where.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mapsla::testing {

class SchemaChecker {
 public:
  explicit SchemaChecker(nlohmann::json schema) : root_(std::move(schema)) {}

  std::vector<std::string> check(const nlohmann::json& value) const {
    std::vector<std::string> errors;
    check(root_, value, "$", errors);
    return errors;
  }

 private:
  static bool has_type(const nlohmann::json& v, const std::string& type) {
    if (type == "object") return v.is_object();
    if (type == "array") return v.is_array();
    if (type == "string") return v.is_string();
    if (type == "boolean") return v.is_boolean();
    if (type == "null") return v.is_null();
    if (type == "number") return v.is_number();
    if (type == "integer")
      return v.is_number_integer() ||
             (v.is_number_float() && v.get<double>() == static_cast<double>(v.get<int64_t>()));
    throw std::invalid_argument("schema: unknown type " + type);
  }

  const nlohmann::json& resolve(const std::string& ref) const {
    const std::string prefix = "#/$defs/";
    if (ref.rfind(prefix, 0) != 0) throw std::invalid_argument("schema: unsupported $ref " + ref);
    return root_.at("$defs").at(ref.substr(prefix.size()));
  }

  void check(const nlohmann::json& schema, const nlohmann::json& v, const std::string& path,
             std::vector<std::string>& errors) const {
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) errors.push_back(path + ": not allowed here");
      return;
    }
    if (schema.contains("$ref")) check(resolve(schema["$ref"]), v, path, errors);
    if (schema.contains("allOf"))
      for (const auto& sub : schema["allOf"])
        check(sub, v, path, errors);
    if (schema.contains("type")) {
      const auto& t = schema["type"];
      bool ok = false;
      if (t.is_string()) ok = has_type(v, t);
      for (const auto& one : t.is_array() ? t : nlohmann::json::array())
        ok = ok || has_type(v, one);
      if (!ok) {
        errors.push_back(path + ": expected " + t.dump() + ", got " + v.dump().substr(0, 40));
        return;
      }
    }
    if (schema.contains("const") && v != schema["const"])
      errors.push_back(path + ": expected " + schema["const"].dump());
    if (schema.contains("enum")) {
      bool found = false;
      for (const auto& e : schema["enum"])
        found = found || e == v;
      if (!found) errors.push_back(path + ": " + v.dump() + " not in " + schema["enum"].dump());
    }
    if (schema.contains("minimum") && v.is_number() &&
        v.get<double>() < schema["minimum"].get<double>())
      errors.push_back(path + ": below the minimum " + schema["minimum"].dump());
    if (v.is_object()) {
      for (const auto& key : schema.value("required", nlohmann::json::array()))
        if (!v.contains(key.get<std::string>()))
          errors.push_back(path + "." + key.get<std::string>() + ": required");
      const auto properties = schema.value("properties", nlohmann::json::object());
      for (const auto& [key, value] : v.items()) {
        if (properties.contains(key))
          check(properties[key], value, path + "." + key, errors);
        else if (schema.contains("additionalProperties"))
          check(schema["additionalProperties"], value, path + "." + key, errors);
      }
    }
    if (v.is_array()) {
      if (schema.contains("minItems") && v.size() < schema["minItems"].get<size_t>())
        errors.push_back(path + ": fewer than " + schema["minItems"].dump() + " items");
      if (schema.contains("maxItems") && v.size() > schema["maxItems"].get<size_t>())
        errors.push_back(path + ": more than " + schema["maxItems"].dump() + " items");
      if (schema.contains("items"))
        for (size_t i = 0; i < v.size(); ++i)
          check(schema["items"], v[i], path + "[" + std::to_string(i) + "]", errors);
    }
  }

  nlohmann::json root_;
};

// The first ```json block after the line `heading` in a document.
inline nlohmann::json documented_schema(const std::filesystem::path& doc,
                                        const std::string& heading) {
  std::ifstream in(doc);
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  const auto section = text.find("\n" + heading + "\n");
  if (section == std::string::npos)
    throw std::runtime_error(doc.string() + ": no section " + heading);
  const auto begin = text.find("```json\n", section);
  const auto end = text.find("\n```", begin + 8);
  if (begin == std::string::npos || end == std::string::npos)
    throw std::runtime_error(doc.string() + ": no ```json block in " + heading);
  return nlohmann::json::parse(text.substr(begin + 8, end - begin - 8));
}

// report.json's schema: the block after "## Machine-readable schema" in
// docs/report-schema.md.
inline nlohmann::json documented_report_schema(const std::filesystem::path& doc) {
  return documented_schema(doc, "## Machine-readable schema");
}

// The fleet report's (mapsla merge): the block after "### Fleet schema".
inline nlohmann::json documented_fleet_schema(const std::filesystem::path& doc) {
  return documented_schema(doc, "### Fleet schema");
}

}  // namespace mapsla::testing
