// A small in-memory RDF graph for SHACL validation: interned terms (NodeId), subject/predicate and
// predicate/object indexes. Built for many tiny graphs (one model card or TD, a few dozen triples)
// validated against one shapes graph: a data graph takes the shapes graph's term dictionary as a
// frozen base, so every IRI the shapes mention (rdf:type, tf:ramBytes, xsd:integer...) has the same
// NodeId in both and validation compares integers, not strings.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/kg/kg_result.h"

namespace tinyforge::server::kg::shacl {

inline constexpr std::string_view kSh = "http://www.w3.org/ns/shacl#";
inline constexpr std::string_view kRdfNs = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
inline constexpr std::string_view kRdfsNs = "http://www.w3.org/2000/01/rdf-schema#";
inline constexpr std::string_view kXsdNs = "http://www.w3.org/2001/XMLSchema#";

struct RdfNode {
  enum class Kind : uint8_t { kIri, kBlank, kLiteral };
  Kind kind = Kind::kIri;
  std::string value;     // IRI, blank label, or the literal's lexical form
  std::string datatype;  // literals only; always set (xsd:string, rdf:langString for tagged ones)
  std::string lang;      // literals only, lower-cased

  static RdfNode Iri(std::string_view iri) { return {Kind::kIri, std::string(iri), "", ""}; }
  static RdfNode Blank(std::string_view label) { return {Kind::kBlank, std::string(label), "", ""}; }
  // An empty datatype means xsd:string, or rdf:langString when lang is set.
  static RdfNode Literal(std::string_view lexical, std::string_view datatype = "", std::string_view lang = "");
  bool is_iri() const { return kind == Kind::kIri; }
  bool is_blank() const { return kind == Kind::kBlank; }
  bool is_literal() const { return kind == Kind::kLiteral; }
  // N-Triples-like text for reports: <iri>, _:label, "text"^^<datatype>, "text"@lang.
  std::string ToString() const;
  bool operator==(const RdfNode&) const = default;
};

using NodeId = uint32_t;

// Term <-> NodeId. Append-only.
class TermDictionary {
 public:
  NodeId Intern(const RdfNode& node, NodeId offset);
  std::optional<NodeId> Find(const RdfNode& node, NodeId offset) const;
  const RdfNode& at(size_t local_index) const { return nodes_[local_index]; }
  size_t size() const { return nodes_.size(); }
  // The same by the term's key (built once per term by Graph::Intern).
  static std::string Key(const RdfNode& node);
  NodeId InternKey(std::string key, const RdfNode& node, NodeId offset);
  std::optional<NodeId> FindKey(const std::string& key) const;

 private:
  std::unordered_map<std::string, NodeId> ids_;
  std::vector<RdfNode> nodes_;
};

class Graph {
 public:
  // `base` (optional, frozen) supplies NodeIds [0, base->size()); new terms get ids after them.
  explicit Graph(std::shared_ptr<const TermDictionary> base = nullptr);

  NodeId Intern(const RdfNode& node);
  NodeId Iri(std::string_view iri) { return Intern(RdfNode::Iri(iri)); }
  // For callers that build TermDictionary::Key themselves: `make()` builds the node only when the
  // term is new, so a repeated or shape-vocabulary term costs one hash lookup and no allocation.
  template <typename Make>
  NodeId InternKeyed(const std::string& key, Make&& make) {
    if (base_) {
      if (auto id = base_->FindKey(key)) return *id;
    }
    if (auto id = own_.FindKey(key)) return *id;
    return own_.InternKey(key, make(), base_size_);
  }
  std::optional<NodeId> Find(const RdfNode& node) const;
  std::optional<NodeId> FindIri(std::string_view iri) const { return Find(RdfNode::Iri(iri)); }
  const RdfNode& node(NodeId id) const;

  // Set semantics: a triple already present is kept once.
  void Add(NodeId subject, NodeId predicate, NodeId object);
  size_t size() const;

  struct TripleIds {
    NodeId subject, predicate, object;
  };
  // Reads sort the triples once after the last Add (flat arrays, no per-triple allocation: the
  // data graphs are small and built once per request). Not for concurrent first reads.
  const std::vector<TripleIds>& triples() const;
  std::span<const NodeId> Objects(NodeId subject, NodeId predicate) const;
  std::span<const NodeId> Subjects(NodeId predicate, NodeId object) const;
  // Every (predicate, object) of a subject.
  std::span<const std::pair<NodeId, NodeId>> Outgoing(NodeId subject) const;
  // Every (subject, object) with this predicate.
  std::span<const std::pair<NodeId, NodeId>> WithPredicate(NodeId predicate) const;
  // The members of the RDF list starting at `head`. Errors: kInvalidArgument for a malformed or
  // cyclic list (a node without exactly one rdf:first and one rdf:rest).
  Result<std::vector<NodeId>> List(NodeId head) const;

  // Moves this graph's own terms into a dictionary that later graphs can use as their base. Only
  // for a graph without a base of its own (the shapes graph).
  std::shared_ptr<const TermDictionary> FreezeDictionary() const;

 private:
  void Index() const;
  std::shared_ptr<const TermDictionary> base_;
  NodeId base_size_ = 0;
  TermDictionary own_;
  // Added triples; Index() sorts them (s, p, o), drops duplicates and derives the views below.
  mutable std::vector<TripleIds> triples_;
  mutable bool indexed_ = true;
  mutable std::vector<NodeId> spo_objects_;                       // objects in (s, p, o) order
  mutable std::vector<std::pair<NodeId, NodeId>> spo_pairs_;      // (p, o) in (s, p, o) order
  mutable std::vector<TripleIds> pos_;                            // triples in (p, o, s) order
  mutable std::vector<NodeId> pos_subjects_;                      // subjects in (p, o, s) order
  mutable std::vector<std::pair<NodeId, NodeId>> pos_pairs_;      // (s, o) in (p, o, s) order
};

}  // namespace tinyforge::server::kg::shacl
