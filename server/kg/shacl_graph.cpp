// In-memory RDF graph for SHACL validation (see shacl_graph.h).
#include "server/kg/shacl_graph.h"

#include <algorithm>
#include <cctype>
#include <tuple>
#include <unordered_set>

namespace tinyforge::server::kg::shacl {
namespace {


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

NodeId TermDictionary::Intern(const RdfNode& node, NodeId offset) { return InternKey(Key(node), node, offset); }

NodeId TermDictionary::InternKey(std::string key, const RdfNode& node, NodeId offset) {
  auto [it, inserted] = ids_.try_emplace(std::move(key), offset + static_cast<NodeId>(nodes_.size()));
  if (inserted) nodes_.push_back(node);
  return it->second;
}

std::optional<NodeId> TermDictionary::FindKey(const std::string& key) const {
  auto it = ids_.find(key);
  if (it == ids_.end()) return std::nullopt;
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
  std::string key = TermDictionary::Key(node);
  if (base_) {
    if (auto id = base_->FindKey(key)) return *id;
  }
  return own_.InternKey(std::move(key), node, base_size_);
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
  triples_.push_back({subject, predicate, object});
  indexed_ = false;
}

size_t Graph::size() const { return triples().size(); }

const std::vector<Graph::TripleIds>& Graph::triples() const {
  Index();
  return triples_;
}

void Graph::Index() const {
  if (indexed_) return;
  auto spo = [](const TripleIds& a, const TripleIds& b) {
    return std::tie(a.subject, a.predicate, a.object) < std::tie(b.subject, b.predicate, b.object);
  };
  auto same = [](const TripleIds& a, const TripleIds& b) {
    return a.subject == b.subject && a.predicate == b.predicate && a.object == b.object;
  };
  std::sort(triples_.begin(), triples_.end(), spo);
  triples_.erase(std::unique(triples_.begin(), triples_.end(), same), triples_.end());
  spo_objects_.resize(triples_.size());
  spo_pairs_.resize(triples_.size());
  for (size_t i = 0; i < triples_.size(); ++i) {
    spo_objects_[i] = triples_[i].object;
    spo_pairs_[i] = {triples_[i].predicate, triples_[i].object};
  }
  pos_ = triples_;
  std::sort(pos_.begin(), pos_.end(), [](const TripleIds& a, const TripleIds& b) {
    return std::tie(a.predicate, a.object, a.subject) < std::tie(b.predicate, b.object, b.subject);
  });
  pos_subjects_.resize(pos_.size());
  pos_pairs_.resize(pos_.size());
  for (size_t i = 0; i < pos_.size(); ++i) {
    pos_subjects_[i] = pos_[i].subject;
    pos_pairs_[i] = {pos_[i].subject, pos_[i].object};
  }
  indexed_ = true;
}

namespace {

// [first, last) of the sorted `rows` whose key(row) equals `key`.
template <typename Row, typename Key, typename KeyOf>
std::pair<size_t, size_t> Range(const std::vector<Row>& rows, const Key& key, KeyOf key_of) {
  auto lower = std::partition_point(rows.begin(), rows.end(), [&](const Row& row) { return key_of(row) < key; });
  auto upper = std::partition_point(lower, rows.end(), [&](const Row& row) { return !(key < key_of(row)); });
  return {static_cast<size_t>(lower - rows.begin()), static_cast<size_t>(upper - rows.begin())};
}

}  // namespace

std::span<const NodeId> Graph::Objects(NodeId subject, NodeId predicate) const {
  Index();
  auto [first, last] = Range(triples_, std::make_pair(subject, predicate),
                             [](const TripleIds& t) { return std::make_pair(t.subject, t.predicate); });
  return std::span<const NodeId>(spo_objects_.data() + first, last - first);
}

std::span<const NodeId> Graph::Subjects(NodeId predicate, NodeId object) const {
  Index();
  auto [first, last] = Range(pos_, std::make_pair(predicate, object),
                             [](const TripleIds& t) { return std::make_pair(t.predicate, t.object); });
  return std::span<const NodeId>(pos_subjects_.data() + first, last - first);
}

std::span<const std::pair<NodeId, NodeId>> Graph::Outgoing(NodeId subject) const {
  Index();
  auto [first, last] = Range(triples_, subject, [](const TripleIds& t) { return t.subject; });
  return std::span<const std::pair<NodeId, NodeId>>(spo_pairs_.data() + first, last - first);
}

std::span<const std::pair<NodeId, NodeId>> Graph::WithPredicate(NodeId predicate) const {
  Index();
  auto [first, last] = Range(pos_, predicate, [](const TripleIds& t) { return t.predicate; });
  return std::span<const std::pair<NodeId, NodeId>>(pos_pairs_.data() + first, last - first);
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
    auto firsts = first ? Objects(current, *first) : std::span<const NodeId>();
    auto rests = rest ? Objects(current, *rest) : std::span<const NodeId>();
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
