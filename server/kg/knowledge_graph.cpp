// Registry graph access on top of SparqlClient (see knowledge_graph.h).
#include "server/kg/knowledge_graph.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>

#include "server/kg/vocabulary.h"

namespace tinyforge::server::kg {

namespace {

struct Prefix {
  std::string_view name;
  std::string_view iri;
};
constexpr std::array<Prefix, 11> kTurtlePrefixes = {{
    {"tf", vocab::kTf}, {"rdf", vocab::kRdf}, {"ssn", vocab::kSsn}, {"sys", vocab::kSsnSystem},
    {"sosa", vocab::kSosa}, {"s3n", vocab::kS3n}, {"td", vocab::kTd}, {"schema", vocab::kSchema},
    {"xsd", kXsd}, {"om", vocab::kOm}, {"se", vocab::kSosaExtend}}};

// A local name every Turtle parser reads back as it is: a letter, then letters, digits, '_', '-'.
bool PlainLocalName(std::string_view local) {
  if (local.empty() || !std::isalpha(static_cast<unsigned char>(local[0]))) return false;
  for (char c : local) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

// A reference that resolves against the base to exactly base + rest (RFC 3986 section 5.2):
// no scheme-like first segment, no dot segments, not starting with '/', '?' or '#'.
bool SafeRelativeReference(std::string_view rest) {
  if (rest.empty() || rest[0] == '/' || rest[0] == '?' || rest[0] == '#') return false;
  size_t first_slash = rest.find('/');
  if (rest.substr(0, first_slash).find(':') != std::string_view::npos) return false;
  for (size_t begin = 0; begin <= rest.size();) {
    size_t end = rest.find('/', begin);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view segment = rest.substr(begin, end - begin);
    if (segment == "." || segment == "..") return false;
    begin = end + 1;
  }
  return rest.find_first_of("?#") == std::string_view::npos;
}

void AppendIri(std::string& out, const std::string& iri) {
  if (iri.compare(0, vocab::kDataBase.size(), vocab::kDataBase) == 0) {
    std::string_view rest = std::string_view(iri).substr(vocab::kDataBase.size());
    if (SafeRelativeReference(rest)) {
      out.append("<").append(rest).append(">");
      return;
    }
  }
  for (const Prefix& prefix : kTurtlePrefixes) {
    if (iri.size() > prefix.iri.size() && iri.compare(0, prefix.iri.size(), prefix.iri) == 0 &&
        PlainLocalName(std::string_view(iri).substr(prefix.iri.size()))) {
      out.append(prefix.name).append(":").append(std::string_view(iri).substr(prefix.iri.size()));
      return;
    }
  }
  out.append("<").append(iri).append(">");
}

bool BareInteger(std::string_view text) {
  size_t start = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (start >= text.size()) return false;
  for (size_t i = start; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

void AppendTerm(std::string& out, const Term& term) {
  if (term.kind() == Term::Kind::kIri) return AppendIri(out, term.value());
  const std::string& type = term.datatype();
  const bool typed = term.lang().empty() && !type.empty();
  if (typed && type.size() == kXsd.size() + 7 && type.compare(kXsd.size(), 7, "integer") == 0 &&
      BareInteger(term.value())) {
    out += term.value();
    return;
  }
  if (typed && type.size() == kXsd.size() + 7 && type.compare(kXsd.size(), 7, "boolean") == 0 &&
      (term.value() == "true" || term.value() == "false")) {
    out += term.value();
    return;
  }
  out.append("\"").append(EscapeStringBody(term.value())).append("\"");
  if (!term.lang().empty()) {
    out.append("@").append(term.lang());
  } else if (typed && type != std::string(kXsd) + "string") {
    out += "^^";
    AppendIri(out, type);
  }
}

}  // namespace

std::string ToTurtle(const std::vector<Triple>& triples) {
  std::string out = "@base <" + std::string(vocab::kDataBase) + "> .\n";
  for (const Prefix& prefix : kTurtlePrefixes) {
    out.append("@prefix ").append(prefix.name).append(": <").append(prefix.iri).append("> .\n");
  }
  const std::string rdf_type = vocab::Rdf("type");
  const Term* subject = nullptr;
  for (const Triple& triple : triples) {
    if (subject != nullptr && *subject == triple.subject) {
      out += " ;\n  ";
    } else {
      if (subject != nullptr) out += " .\n";
      AppendTerm(out, triple.subject);
      out += ' ';
      subject = &triple.subject;
    }
    if (triple.predicate.value() == rdf_type) {
      out += 'a';
    } else {
      AppendTerm(out, triple.predicate);
    }
    out += ' ';
    AppendTerm(out, triple.object);
  }
  if (subject != nullptr) out += " .\n";
  return out;
}

KnowledgeGraph::KnowledgeGraph(const SparqlClient& client, std::string graph_iri)
    : client_(client),
      graph_(Term::Iri(graph_iri.empty() ? std::string(vocab::kRegistryGraph) : graph_iri, "graph")
                 .value()) {}

Result<Ok> KnowledgeGraph::InsertTriples(const std::vector<Triple>& triples) const {
  for (size_t begin = 0; begin < triples.size(); begin += kMaxTriplesPerInsert) {
    size_t end = std::min(triples.size(), begin + kMaxTriplesPerInsert);
    std::vector<Triple> chunk(triples.begin() + static_cast<std::ptrdiff_t>(begin),
                              triples.begin() + static_cast<std::ptrdiff_t>(end));
    std::string update = "INSERT DATA { GRAPH " + graph_.ToSparql() + " {\n" + ToNTriples(chunk) + "} }";
    auto done = client_.Update(update);
    if (!done.ok()) return done.error();
  }
  return Ok{};
}

Result<Ok> KnowledgeGraph::LoadTriples(const std::vector<Triple>& triples) const {
  if (client_.endpoints().graph_store_url.empty()) return InsertTriples(triples);
  return client_.GraphStorePost(graph_.value(), "text/turtle", ToTurtle(triples));
}

Result<Ok> KnowledgeGraph::LoadTurtle(const std::string& turtle) const {
  return client_.GraphStorePost(graph_.value(), "text/turtle", turtle);
}

Result<Ok> KnowledgeGraph::Clear() const {
  return client_.Update("CLEAR SILENT GRAPH " + graph_.ToSparql());
}

std::optional<int64_t> IntegerValue(const RdfValue* value) {
  if (value == nullptr) return std::nullopt;
  int64_t number = 0;
  const std::string& text = value->value;
  const char* begin = text.data();
  if (!text.empty() && text[0] == '+') ++begin;
  auto [end, error] = std::from_chars(begin, text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return number;
}

std::optional<double> NumberValue(const RdfValue* value) {
  if (value == nullptr || value->value.empty()) return std::nullopt;
  char* end = nullptr;
  double number = std::strtod(value->value.c_str(), &end);
  if (end != value->value.c_str() + value->value.size()) return std::nullopt;
  return number;
}

Result<int64_t> KnowledgeGraph::Count(const std::string& query) const {
  auto result = client_.Select(query);
  if (!result.ok()) return result.error();
  auto count = IntegerValue(result->Get(0, "count"));
  if (result->rows.size() != 1 || !count) {
    return MakeError(ErrorKind::kStore, "COUNT query returned no integer ?count: " + query);
  }
  return *count;
}

Result<int64_t> KnowledgeGraph::CountInstances(const Term& klass) const {
  return Count(std::string(vocab::kPrefixes) + "SELECT (COUNT(DISTINCT ?s) AS ?count)\n" + FromClause() +
               "WHERE { ?s a " + klass.ToSparql() + " }");
}

}  // namespace tinyforge::server::kg
