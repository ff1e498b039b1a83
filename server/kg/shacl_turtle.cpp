// Turtle reading through serd's callback API (see shacl_turtle.h).
#include "server/kg/shacl_turtle.h"

#include <serd/serd.h>

#include <cstdarg>
#include <cstdio>
#include <memory>

namespace tinyforge::server::kg::shacl {
namespace {

struct ReadState {
  Graph* graph;
  SerdEnv* env;
  const TurtleOptions* options;
  std::map<std::string, std::string>* prefixes;
  std::string error;  // first error only
};

std::string Text(const SerdNode* node) {
  return node && node->buf ? std::string(reinterpret_cast<const char*>(node->buf), node->n_bytes) : std::string();
}

// Expands a CURIE or resolves a relative IRI against the base; "" when that is impossible.
bool ExpandIri(ReadState& state, const SerdNode* node, std::string& out) {
  SerdNode expanded = serd_env_expand_node(state.env, node);
  if (expanded.type == SERD_NOTHING || !expanded.buf) {
    if (state.error.empty()) {
      state.error = state.options->source_name + ": cannot expand " +
                    (node->type == SERD_CURIE ? "prefixed name " : "IRI ") + Text(node) +
                    (node->type == SERD_CURIE ? " (undefined prefix?)" : "");
    }
    return false;
  }
  out = Text(&expanded);
  serd_node_free(&expanded);
  return true;
}

bool ToNode(ReadState& state, const SerdNode* node, const SerdNode* datatype, const SerdNode* lang,
            RdfNode& out) {
  switch (node->type) {
    case SERD_URI:
    case SERD_CURIE: {
      std::string iri;
      if (!ExpandIri(state, node, iri)) return false;
      out = RdfNode::Iri(iri);
      return true;
    }
    case SERD_BLANK:
      out = RdfNode::Blank(state.options->blank_prefix + Text(node));
      return true;
    case SERD_LITERAL: {
      std::string datatype_iri;
      if (datatype && datatype->buf && !ExpandIri(state, datatype, datatype_iri)) return false;
      out = RdfNode::Literal(Text(node), datatype_iri, lang ? Text(lang) : "");
      return true;
    }
    case SERD_NOTHING: break;
  }
  if (state.error.empty()) state.error = state.options->source_name + ": unexpected empty node";
  return false;
}

SerdStatus OnBase(void* handle, const SerdNode* uri) {
  auto& state = *static_cast<ReadState*>(handle);
  return serd_env_set_base_uri(state.env, uri);
}

SerdStatus OnPrefix(void* handle, const SerdNode* name, const SerdNode* uri) {
  auto& state = *static_cast<ReadState*>(handle);
  SerdStatus status = serd_env_set_prefix(state.env, name, uri);
  if (status == SERD_SUCCESS && state.prefixes) {
    std::string expanded;
    SerdNode full = serd_env_expand_node(state.env, uri);
    if (full.buf) {
      (*state.prefixes)[Text(name)] = Text(&full);
      serd_node_free(&full);
    }
  }
  return status;
}

SerdStatus OnStatement(void* handle, SerdStatementFlags, const SerdNode*, const SerdNode* subject,
                       const SerdNode* predicate, const SerdNode* object, const SerdNode* object_datatype,
                       const SerdNode* object_lang) {
  auto& state = *static_cast<ReadState*>(handle);
  RdfNode s, p, o;
  if (!ToNode(state, subject, nullptr, nullptr, s) || !ToNode(state, predicate, nullptr, nullptr, p) ||
      !ToNode(state, object, object_datatype, object_lang, o)) {
    return SERD_ERR_BAD_SYNTAX;
  }
  if (s.is_literal() || !p.is_iri()) {
    if (state.error.empty()) state.error = state.options->source_name + ": literal subject or non-IRI predicate";
    return SERD_ERR_BAD_SYNTAX;
  }
  Graph& graph = *state.graph;
  graph.Add(graph.Intern(s), graph.Intern(p), graph.Intern(o));
  return SERD_SUCCESS;
}

SerdStatus OnError(void* handle, const SerdError* error) {
  auto& state = *static_cast<ReadState*>(handle);
  if (!state.error.empty()) return SERD_SUCCESS;
  char buffer[512];
  va_list args;
  va_copy(args, *error->args);
  std::vsnprintf(buffer, sizeof buffer, error->fmt, args);
  va_end(args);
  std::string what(buffer);
  while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
  state.error = state.options->source_name + ":" + std::to_string(error->line) + ":" +
                std::to_string(error->col) + ": " + what;
  return SERD_SUCCESS;
}

}  // namespace

Result<Ok> ReadTurtle(std::string_view text, Graph& graph, const TurtleOptions& options,
                      std::map<std::string, std::string>* prefixes) {
  // serd reads a NUL-terminated string; a NUL inside the text would silently end the document.
  if (text.find('\0') != std::string_view::npos) {
    return MakeError(ErrorKind::kInvalidArgument, options.source_name + ": contains a NUL byte");
  }
  std::string owned(text);
  SerdNode base = serd_node_from_string(SERD_URI, reinterpret_cast<const uint8_t*>(options.base_iri.c_str()));
  std::unique_ptr<SerdEnv, void (*)(SerdEnv*)> env(serd_env_new(&base), serd_env_free);
  ReadState state{&graph, env.get(), &options, prefixes, ""};
  std::unique_ptr<SerdReader, void (*)(SerdReader*)> reader(
      serd_reader_new(SERD_TURTLE, &state, nullptr, OnBase, OnPrefix, OnStatement, nullptr), serd_reader_free);
  serd_reader_set_strict(reader.get(), true);
  serd_reader_set_error_sink(reader.get(), OnError, &state);
  SerdStatus status = serd_reader_read_string(reader.get(), reinterpret_cast<const uint8_t*>(owned.c_str()));
  if (status != SERD_SUCCESS || !state.error.empty()) {
    if (state.error.empty()) state.error = options.source_name + ": " + reinterpret_cast<const char*>(serd_strerror(status));
    return MakeError(ErrorKind::kInvalidArgument, "Turtle: " + state.error);
  }
  return Ok{};
}

}  // namespace tinyforge::server::kg::shacl
