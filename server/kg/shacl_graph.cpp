// In-memory RDF graph for SHACL validation (see shacl_graph.h).
#include "server/kg/shacl_graph.h"

#include <algorithm>
#include <cctype>
#include <unordered_set>

namespace tinyforge::server::kg::shacl {
namespace {

const std::vector<NodeId> kNoNodes;
const std::vector<std::pair<NodeId, NodeId>> kNoPairs;

}  // namespace

RdfNode RdfNode::Literal(std::string_view lexical, std::string_view datatype, std::string_view lang) {
  RdfNode node{Kind::kLiteral, std::string(lexical), std::string(datatype), std::string(lang)};
  for (char& c : node.lang) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (node.datatype.empty()) {
    node.datatype = node.lang.empty() ? std::string(kXsdNs) + "string" : std::string(kRdfNs) + "langString";
  }
  return node;
}

std::string RdfNode::ToString() const {
  switch (kind) {
    case Kind::kIri: return "<" + value + ">";
    case Kind::kBlank: return "_:" + value;
    case Kind::kLiteral: break;
  }
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += '"';
  if (!lang.empty()) return out + "@" + lang;
  if (datatype != std::string(kXsdNs) + "string") out += "^^<" + datatype + ">";
  return out;
}

std::string TermDictionary::Key(const RdfNode& node) {
  std::string key;
  key.reserve(node.value.size() + node.datatype.size() + node.lang.size() + 3);
  key += static_cast<char>('0' + static_cast<int>(node.kind));
  key += node.value;
  if (node.kind == RdfNode::Kind::kLiteral) {
    key += '\x1f';
    key += node.datatype;
    key += '\x1f';
    key += node.lang;
  }
  return key;
}

NodeId TermDictionary::Intern(const RdfNode& node, NodeId offset) {
  auto [it, inserted] = ids_.try_emplace(Key(node), offset + static_cast<NodeId>(nodes_.size()));
  if (inserted) nodes_.push_back(node);
  return it->second;
}

std::optional<NodeId> TermDictionary::Find(const RdfNode& node, NodeId offset) const {
  (void)offset;
  auto it = ids_.find(Key(node));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

Graph::Graph(std::shared_ptr<const TermDictionary> base)
    : base_(std::move(base)), base_size_(base_ ? static_cast<NodeId>(base_->size()) : 0) {}

NodeId Graph::Intern(const RdfNode& node) {
  if (base_) {
    if (auto id = base_->Find(node, 0)) return *id;
  }
  return own_.Intern(node, base_size_);
}

std::optional<NodeId> Graph::Find(const RdfNode& node) const {
  if (base_) {
    if (auto id = base_->Find(node, 0)) return id;
  }
  return own_.Find(node, base_size_);
}

const RdfNode& Graph::node(NodeId id) const {
  if (id < base_size_) return base_->at(id);
  return own_.at(id - base_size_);
}

void Graph::Add(NodeId subject, NodeId predicate, NodeId object) {
  std::vector<NodeId>& objects = by_subject_predicate_[Pair(subject, predicate)];
  if (std::find(objects.begin(), objects.end(), object) != objects.end()) return;
  objects.push_back(object);
  by_predicate_object_[Pair(predicate, object)].push_back(subject);
  by_subject_[subject].emplace_back(predicate, object);
  by_predicate_[predicate].emplace_back(subject, object);
  triples_.push_back({subject, predicate, object});
}

const std::vector<NodeId>& Graph::Objects(NodeId subject, NodeId predicate) const {
  auto it = by_subject_predicate_.find(Pair(subject, predicate));
  return it == by_subject_predicate_.end() ? kNoNodes : it->second;
}

const std::vector<NodeId>& Graph::Subjects(NodeId predicate, NodeId object) const {
  auto it = by_predicate_object_.find(Pair(predicate, object));
  return it == by_predicate_object_.end() ? kNoNodes : it->second;
}

const std::vector<std::pair<NodeId, NodeId>>& Graph::Outgoing(NodeId subject) const {
  auto it = by_subject_.find(subject);
  return it == by_subject_.end() ? kNoPairs : it->second;
}

const std::vector<std::pair<NodeId, NodeId>>& Graph::WithPredicate(NodeId predicate) const {
  auto it = by_predicate_.find(predicate);
  return it == by_predicate_.end() ? kNoPairs : it->second;
}

Result<std::vector<NodeId>> Graph::List(NodeId head) const {
  std::vector<NodeId> members;
  auto first = FindIri(std::string(kRdfNs) + "first");
  auto rest = FindIri(std::string(kRdfNs) + "rest");
  auto nil = FindIri(std::string(kRdfNs) + "nil");
  std::unordered_set<NodeId> seen;
  NodeId current = head;
  while (!(nil && current == *nil)) {
    if (!seen.insert(current).second) {
      return MakeError(ErrorKind::kInvalidArgument, "RDF list " + node(head).ToString() + " is cyclic");
    }
    const auto& firsts = first ? Objects(current, *first) : kNoNodes;
    const auto& rests = rest ? Objects(current, *rest) : kNoNodes;
    if (firsts.size() != 1 || rests.size() != 1) {
      return MakeError(ErrorKind::kInvalidArgument,
                       "RDF list " + node(head).ToString() + " is malformed at " + node(current).ToString() +
                           " (needs exactly one rdf:first and one rdf:rest, ending in rdf:nil)");
    }
    members.push_back(firsts[0]);
    current = rests[0];
  }
  return members;
}

std::shared_ptr<const TermDictionary> Graph::FreezeDictionary() const {
  return std::make_shared<const TermDictionary>(own_);
}

}  // namespace tinyforge::server::kg::shacl
