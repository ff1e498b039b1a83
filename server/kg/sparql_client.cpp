// SPARQL 1.1 Protocol over libcurl (see sparql_client.h).
#include "server/kg/sparql_client.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

namespace tinyforge::server::kg {
namespace {

void EnsureCurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendToString(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::string UrlEncode(const std::string& text) {
  // curl_easy_escape ignores its handle (documented since 7.82; never used before).
  char* encoded = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  std::string out = encoded != nullptr ? encoded : "";
  curl_free(encoded);
  return out;
}

// TINYFORGE_KG_TRACE=1 prints every request's latency and start to stderr.
bool TraceEnabled() {
  static const bool enabled = std::getenv("TINYFORGE_KG_TRACE") != nullptr;
  return enabled;
}

// The query on one line without the PREFIX block, for traces.
std::string Flatten(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (text.compare(start, 7, "PREFIX ") == 0) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  for (size_t i = start; i < text.size(); ++i) out.push_back(text[i] == '\n' ? ' ' : text[i]);
  return out;
}

std::string Excerpt(const std::string& text) {
  constexpr size_t kMax = 2000;
  return text.size() <= kMax ? text : text.substr(0, kMax) + "...";
}

}  // namespace

const RdfValue* SelectResult::Get(size_t row, const std::string& variable) const {
  if (row >= rows.size()) return nullptr;
  auto it = rows[row].find(variable);
  return it == rows[row].end() ? nullptr : &it->second;
}

SparqlClient::SparqlClient(SparqlEndpoints endpoints) : endpoints_(std::move(endpoints)) {
  EnsureCurlGlobalInit();
  if (endpoints_.update_url.empty()) endpoints_.update_url = endpoints_.query_url;
}

SparqlClient::~SparqlClient() {
  for (void* handle : idle_handles_) curl_easy_cleanup(static_cast<CURL*>(handle));
}

void* SparqlClient::AcquireHandle() const {
  {
    std::lock_guard lock(idle_mutex_);
    if (!idle_handles_.empty()) {
      void* handle = idle_handles_.back();
      idle_handles_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void SparqlClient::ReleaseHandle(void* handle) const {
  // Options go, the open connection stays (curl_easy_reset keeps the connection cache).
  curl_easy_reset(static_cast<CURL*>(handle));
  constexpr size_t kMaxIdle = 8;
  std::lock_guard lock(idle_mutex_);
  if (idle_handles_.size() < kMaxIdle) {
    idle_handles_.push_back(handle);
  } else {
    curl_easy_cleanup(static_cast<CURL*>(handle));
  }
}

Result<SparqlClient::Response> SparqlClient::Post(const std::string& url,
                                                  const std::string& content_type,
                                                  const std::string& body,
                                                  const std::string& accept,
                                                  bool authenticate,
                                                  const std::string& trace_text) const {
  struct HandleGuard {
    const SparqlClient* client;
    void* handle;
    ~HandleGuard() {
      if (handle != nullptr) client->ReleaseHandle(handle);
    }
  } guard{this, AcquireHandle()};
  if (guard.handle == nullptr) return MakeError(ErrorKind::kStore, "curl_easy_init failed");
  Response response;
  struct curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
  headers = curl_slist_append(headers, ("Accept: " + accept).c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip on big loads
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_guard(headers,
                                                                           curl_slist_free_all);
  CURL* handle = static_cast<CURL*>(guard.handle);
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_POST, 1L);
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, AppendToString);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, endpoints_.timeout_ms);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  // Small requests and answers: do not let Nagle hold the last segment back.
  curl_easy_setopt(handle, CURLOPT_TCP_NODELAY, 1L);
  if (authenticate && !endpoints_.user.empty()) {
    // Digest for Virtuoso's /sparql-auth; ANY lets curl pick Basic for other stores.
    curl_easy_setopt(handle, CURLOPT_HTTPAUTH, CURLAUTH_DIGEST | CURLAUTH_BASIC);
    curl_easy_setopt(handle, CURLOPT_USERNAME, endpoints_.user.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, endpoints_.password.c_str());
  }
  auto started = std::chrono::steady_clock::now();
  CURLcode code = curl_easy_perform(handle);
  if (TraceEnabled()) {
    auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "[kg] %lld ms %zu bytes out, %zu bytes in: %.2000s\n",
                 static_cast<long long>(elapsed_ms), body.size(), response.body.size(),
                 Flatten(trace_text).c_str());
  }
  if (code != CURLE_OK) {
    return MakeError(ErrorKind::kStore, url + ": " + curl_easy_strerror(code));
  }
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
  if (response.status < 200 || response.status >= 300) {
    return MakeError(ErrorKind::kStore, url + ": HTTP " + std::to_string(response.status) + ": " +
                                            Excerpt(response.body));
  }
  return response;
}

Result<SelectResult> ParseSelectJson(const std::string& json) {
  nlohmann::json document = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return MakeError(ErrorKind::kStore, "SPARQL results are not JSON: " + Excerpt(json));
  }
  SelectResult result;
  try {
    for (const auto& variable : document.at("head").value("vars", nlohmann::json::array())) {
      result.variables.push_back(variable.get<std::string>());
    }
    for (const auto& binding : document.at("results").at("bindings")) {
      Row row;
      for (const auto& [name, value] : binding.items()) {
        RdfValue rdf;
        rdf.type = value.value("type", "");
        rdf.value = value.value("value", "");
        rdf.datatype = value.value("datatype", "");
        rdf.lang = value.value("xml:lang", "");
        row.emplace(name, std::move(rdf));
      }
      result.rows.push_back(std::move(row));
    }
  } catch (const nlohmann::json::exception& error) {
    return MakeError(ErrorKind::kStore, std::string("malformed SPARQL JSON results: ") + error.what());
  }
  return result;
}

Result<SelectResult> SparqlClient::Select(const std::string& query) const {
  std::string body = "query=" + UrlEncode(query);
  auto response = Post(endpoints_.query_url, "application/x-www-form-urlencoded", body,
                       "application/sparql-results+json", /*authenticate=*/false, query);
  if (!response.ok()) return response.error();
  return ParseSelectJson(response->body);
}

int CsvTable::Column(const std::string& column) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == column) return static_cast<int>(i);
  }
  return -1;
}

Result<CsvTable> ParseSelectCsv(const std::string& csv) {
  CsvTable table;
  std::vector<std::string> record;
  std::string field;
  size_t line = 1;
  size_t i = 0;
  const size_t n = csv.size();
  auto finish_record = [&]() -> Result<Ok> {
    record.push_back(std::move(field));
    field.clear();
    if (table.columns.empty()) {
      table.columns = std::move(record);
    } else if (record.size() != table.columns.size()) {
      return MakeError(ErrorKind::kStore, "SPARQL CSV results, line " + std::to_string(line) + ": " +
                                              std::to_string(record.size()) + " fields where the header has " +
                                              std::to_string(table.columns.size()));
    } else {
      table.rows.push_back(std::move(record));
    }
    record.clear();
    return Ok{};
  };
  while (i < n) {
    if (csv[i] == '"') {
      // Quoted field: "" is a quote; commas and line breaks inside are data.
      size_t start_line = line;
      ++i;
      while (true) {
        if (i >= n) {
          return MakeError(ErrorKind::kStore,
                           "SPARQL CSV results, line " + std::to_string(start_line) + ": unterminated quoted field");
        }
        if (csv[i] == '"') {
          if (i + 1 < n && csv[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (csv[i] == '\n') ++line;
        field.push_back(csv[i++]);
      }
      if (i < n && csv[i] != ',' && csv[i] != '\r' && csv[i] != '\n') {
        return MakeError(ErrorKind::kStore,
                         "SPARQL CSV results, line " + std::to_string(line) + ": text after a closing quote");
      }
    } else {
      while (i < n && csv[i] != ',' && csv[i] != '\r' && csv[i] != '\n') field.push_back(csv[i++]);
    }
    if (i >= n) break;
    if (csv[i] == ',') {
      record.push_back(std::move(field));
      field.clear();
      ++i;
      continue;
    }
    // End of a record: CRLF (the standard) or LF.
    if (csv[i] == '\r') ++i;
    if (i < n && csv[i] == '\n') ++i;
    auto done = finish_record();
    if (!done.ok()) return done.error();
    ++line;
  }
  if (!field.empty() || !record.empty()) {
    auto done = finish_record();
    if (!done.ok()) return done.error();
  }
  if (table.columns.empty()) return MakeError(ErrorKind::kStore, "SPARQL CSV results have no header line");
  return table;
}

Result<CsvTable> SparqlClient::SelectCsv(const std::string& query) const {
  std::string body = "query=" + UrlEncode(query);
  auto response = Post(endpoints_.query_url, "application/x-www-form-urlencoded", body, "text/csv",
                       /*authenticate=*/false, query);
  if (!response.ok()) return response.error();
  return ParseSelectCsv(response->body);
}

Result<std::string> SparqlClient::QueryText(const std::string& query, const std::string& accept) const {
  std::string body = "query=" + UrlEncode(query);
  auto response = Post(endpoints_.query_url, "application/x-www-form-urlencoded", body, accept,
                       /*authenticate=*/false, query);
  if (!response.ok()) return response.error();
  return std::move(response->body);
}

Result<bool> SparqlClient::Ask(const std::string& query) const {
  std::string body = "query=" + UrlEncode(query);
  auto response = Post(endpoints_.query_url, "application/x-www-form-urlencoded", body,
                       "application/sparql-results+json", /*authenticate=*/false, query);
  if (!response.ok()) return response.error();
  nlohmann::json document = nlohmann::json::parse(response->body, nullptr, false);
  if (!document.is_discarded() && document.is_object() && document.contains("boolean") &&
      document["boolean"].is_boolean()) {
    return document["boolean"].get<bool>();
  }
  // Virtuoso 7.2.5 answers ASK as a result set: one row binding __ASK_RETVAL to 1 when true,
  // no rows when false.
  auto table = ParseSelectJson(response->body);
  if (table.ok() && table->variables.size() == 1 && table->rows.empty()) return false;
  if (table.ok() && table->rows.size() == 1 && table->rows[0].size() == 1) {
    const std::string& value = table->rows[0].begin()->second.value;
    if (value == "1" || value == "true") return true;
    if (value == "0" || value == "false") return false;
  }
  return MakeError(ErrorKind::kStore, "ASK answer has no boolean: " + Excerpt(response->body));
}

Result<Ok> SparqlClient::Update(const std::string& update) const {
  std::string body = "update=" + UrlEncode(update);
  auto response = Post(endpoints_.update_url, "application/x-www-form-urlencoded", body,
                       "application/sparql-results+json, */*;q=0.1", /*authenticate=*/true, update);
  if (!response.ok()) return response.error();
  return Ok{};
}

Result<Ok> SparqlClient::GraphStorePost(const std::string& graph_iri,
                                        const std::string& content_type,
                                        const std::string& body) const {
  if (endpoints_.graph_store_url.empty()) {
    return MakeError(ErrorKind::kInvalidArgument, "no Graph Store Protocol endpoint configured");
  }
  std::string url = endpoints_.graph_store_url + "?graph=" + UrlEncode(graph_iri);
  auto response = Post(url, content_type, body, "*/*", /*authenticate=*/true, "GSP POST " + graph_iri);
  if (!response.ok()) return response.error();
  return Ok{};
}

}  // namespace tinyforge::server::kg
