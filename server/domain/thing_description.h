// W3C WoT Thing Description 1.1 structural checks on a plain tree (no JSON types here): the
// required fields @context, title, security, securityDefinitions and forms with href.
#pragma once

#include <string>
#include <vector>

namespace tinyforge::server::domain {

inline constexpr const char* kTdContext11 = "https://www.w3.org/2022/wot/td/v1.1";
inline constexpr const char* kTdContext10 = "https://www.w3.org/2019/wot/td/v1";

// What the API layer extracted from the document; validation lists every violation.
struct ThingDescriptionOutline {
  bool has_context = false;
  std::vector<std::string> context_iris;  // string entries of @context
  bool title_is_string = false;
  std::string title;
  bool security_present = false;
  bool security_is_string_or_string_array = false;
  std::vector<std::string> security_names;
  bool security_definitions_is_object = false;
  // name -> has a string "scheme"
  std::vector<std::pair<std::string, bool>> security_definitions;
  // Every form found: "<where>" and whether it has a non-empty string href.
  std::vector<std::pair<std::string, bool>> forms;
  std::vector<std::string> affordances_without_forms;  // e.g. "properties.temperature"
  bool top_level_forms_malformed = false;
};

// One line per violation, naming the field; empty = valid.
inline std::vector<std::string> ValidateThingDescription(const ThingDescriptionOutline& td) {
  std::vector<std::string> out;
  if (!td.has_context) {
    out.push_back("@context: missing");
  } else {
    bool known = false;
    for (const auto& iri : td.context_iris) known = known || iri == kTdContext11 || iri == kTdContext10;
    if (!known) out.push_back(std::string("@context: must include \"") + kTdContext11 + "\"");
  }
  if (!td.title_is_string || td.title.empty()) out.push_back("title: missing or not a non-empty string");
  if (!td.security_present) {
    out.push_back("security: missing");
  } else if (!td.security_is_string_or_string_array || td.security_names.empty()) {
    out.push_back("security: must be a string or a non-empty array of strings");
  }
  if (!td.security_definitions_is_object) {
    out.push_back("securityDefinitions: missing or not an object");
  } else {
    for (const auto& [name, has_scheme] : td.security_definitions) {
      if (!has_scheme) out.push_back("securityDefinitions." + name + ": missing scheme");
    }
    for (const auto& name : td.security_names) {
      bool defined = false;
      for (const auto& entry : td.security_definitions) defined = defined || entry.first == name;
      if (!defined) out.push_back("security: \"" + name + "\" is not in securityDefinitions");
    }
  }
  if (td.top_level_forms_malformed) out.push_back("forms: must be an array of form objects");
  for (const auto& where : td.affordances_without_forms) out.push_back(where + ".forms: missing or empty");
  for (const auto& [where, has_href] : td.forms) {
    if (!has_href) out.push_back(where + ".href: missing or not a non-empty string");
  }
  return out;
}

}  // namespace tinyforge::server::domain
