// Turtle -> shacl::Graph, with Debian's serd (0.30): a small, strict, well-fuzzed C parser.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "server/kg/kg_result.h"
#include "server/kg/shacl_graph.h"

namespace tinyforge::server::kg::shacl {

struct TurtleOptions {
  std::string source_name = "(turtle)";  // named in error messages: "<name>:<line>:<col>: ..."
  std::string base_iri = "urn:tinyforge:base/";
  // Prefixed onto every blank node label, so two documents read into one graph never share one.
  std::string blank_prefix = "d0_";
};

// Adds the document's triples to `graph`. Prefixes it declares are added to `prefixes`
// (prefix -> namespace IRI), if given, for compact names in reports.
// Errors: kInvalidArgument "<source>:<line>:<col>: <what serd found>", or an undefined prefix.
// On error the graph may hold the triples read before the error.
Result<Ok> ReadTurtle(std::string_view text, Graph& graph, const TurtleOptions& options = {},
                      std::map<std::string, std::string>* prefixes = nullptr);

}  // namespace tinyforge::server::kg::shacl
