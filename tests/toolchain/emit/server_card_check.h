// Checks a model card the way the server's registry does before it stores one: the model-card
// parser (server/kg/rdf_parsing.cpp) then the SHACL gate on the mapped triples (ontology/shapes.ttl).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "server/kg/rdf_mapping.h"
#include "server/kg/registry_validator.h"

namespace tinyforge::toolchain::testing {

// "" when the server would register the card, else what it says is wrong.
inline std::string ServerRefusal(const nlohmann::json& card) {
  namespace kg = tinyforge::server::kg;
  auto parsed = kg::ParseModelCard(card);
  if (!parsed.ok()) return parsed.error().message;
  auto validator = kg::RegistryValidator::Embedded();
  if (!validator.ok()) return "the embedded shapes do not load: " + validator.error().message;
  auto checked = (*validator)->Check(kg::ModelCardTriples(*parsed), "model card");
  if (!checked.ok()) return checked.error().message;
  return "";
}

}  // namespace tinyforge::toolchain::testing
