// Graph-wide routes: Turtle / JSON-LD export and import, the SPARQL 1.1 query protocol, API
// tokens and health.
#include <httplib.h>

#include "server/api/handler_support.h"
#include "server/api/handlers.h"
#include "server/kg/compatibility_index.h"
#include "server/kg/registry_queries.h"

namespace tinyforge::server::api {
namespace {

using namespace detail;  // NOLINT: the handlers' own helpers
using nlohmann::json;

bool WantsTurtle(const ApiRequest& request) {
  std::string format = request.Query("format");
  if (format == "turtle") return true;
  if (format == "jsonld") return false;
  if (!format.empty()) Fail(400, "invalid_argument", "format must be turtle or jsonld");
  return request.accept.find("text/turtle") != std::string::npos;
}

}  // namespace

ApiResponse ExportGraph(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    bool turtle = WantsTurtle(request);
    auto store = Store(context);
    kg::RegistryQueries queries(*store->graph);
    kg::SelectResult rows = Check(queries.AllTriples());
    if (turtle) return ApiResponse{200, "text/turtle", kg::RowsToTurtle(rows)};
    ApiResponse response = JsonResponse(200, kg::RowsToJsonLd(rows));
    response.content_type = "application/ld+json";
    return response;
  });
}

ApiResponse ImportGraph(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    if (request.content_type == "text/turtle") {
      auto store = Store(context);
      auto loaded = store->graph->LoadTurtle(request.body);
      if (!loaded.ok()) {
        ApiError error = FromKgError(loaded.error());
        // The store answered with an error: it refused the Turtle text, which is the client's fault.
        if (error.status == 502) Fail(400, "invalid_turtle", "the store rejected the Turtle: " + loaded.error().message);
        throw ApiFailure{error};
      }
      // Imported devices, models or runtimes change compatibility: re-derive the index.
      int64_t profiles = Check(kg::CompatibilityIndex(*store->graph).Rebuild());
      return JsonResponse(200, {{"imported", "text/turtle"}, {"profiles_indexed", profiles}});
    }
    if (request.content_type == "application/ld+json" || request.content_type == "application/json") {
      json document = json::parse(request.body, nullptr, false);
      if (document.is_discarded()) Fail(400, "malformed_json", "JSON-LD import: the body is not valid JSON");
      std::vector<kg::Triple> triples = Check(kg::ExpandedJsonLdToTriples(document));
      auto store = Store(context);
      Check(store->graph->LoadTriples(triples));
      int64_t profiles = Check(kg::CompatibilityIndex(*store->graph).Rebuild());
      return JsonResponse(200, {{"imported", "application/ld+json"}, {"triples", triples.size()},
                                {"profiles_indexed", profiles}});
    }
    Fail(415, "unsupported_media_type", "import takes text/turtle or application/ld+json (expanded)");
  });
}

ApiResponse Sparql(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    std::string query = request.Query("query");
    std::string update = request.Query("update");
    if (request.content_type == "application/sparql-query") query = request.body;
    if (request.content_type == "application/sparql-update") update = request.body;
    if (!update.empty()) {
      if (!domain::Allows(request.role, domain::Permission::kAdminister)) {
        Fail(403, "forbidden", "SPARQL update needs an admin token; this endpoint is read-only for your role");
      }
      auto store = Store(context);
      Check(store->client->Update(update));
      // An admin update may touch anything the index is derived from.
      Check(kg::CompatibilityIndex(*store->graph).Rebuild());
      return ApiResponse{204, "application/json", ""};
    }
    if (query.empty()) Fail(400, "invalid_argument", "give a SPARQL query as ?query=, a form field or application/sparql-query");
    auto store = Store(context);
    // Forwarded to the store's anonymous endpoint, which may only read (Virtuoso grants updates
    // only to the server's writer account), with the client's Accept header.
    const std::string& url = store->client->endpoints().query_url;
    auto scheme_end = url.find("://");
    auto path_start = url.find('/', scheme_end + 3);
    httplib::Client client(url.substr(0, path_start));
    client.set_read_timeout(60, 0);
    client.set_connection_timeout(5, 0);
    // Without TCP_NODELAY the form body waits for the headers' ACK (Nagle + delayed ACK): +40 ms.
    client.set_tcp_nodelay(true);
    std::string accept = request.accept.empty() || request.accept == "*/*" ? "application/sparql-results+json" : request.accept;
    httplib::Params form{{"query", query}};
    auto result = client.Post(url.substr(path_start), httplib::Headers{{"Accept", accept}}, form);
    if (!result) Fail(503, "store_unavailable", "the knowledge graph store is unavailable; retry shortly");
    if (result->status >= 400) {
      Fail(result->status < 500 ? 400 : 502, "query_rejected",
           "the store rejected the query (HTTP " + std::to_string(result->status) + "): " + result->body.substr(0, 500));
    }
    std::string type = result->get_header_value("Content-Type");
    return ApiResponse{200, type.empty() ? "application/sparql-results+json" : type, result->body};
  });
}

ApiResponse IssueToken(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    json body = ParseJsonBody(request, "token request");
    if (!body.contains("role") || !body["role"].is_string()) Fail(400, "invalid_argument", "role: missing");
    auto role = domain::ParseRole(body["role"].get<std::string>());
    if (!role) Fail(400, "invalid_argument", "role: must be admin, engineer or viewer");
    std::string name = body.contains("name") && body["name"].is_string() ? body["name"].get<std::string>() : "";
    auto issued = Check(context.db.IssueToken(*role, name));
    return JsonResponse(201, {{"id", issued.info.id}, {"name", name}, {"role", domain::RoleName(*role)},
                              {"token", issued.secret}});
  });
}

ApiResponse ListTokens(ApiContext& context, const ApiRequest&) noexcept {
  return Guard(context, [&] {
    json items = json::array();
    for (const auto& token : Check(context.db.ListTokens())) {
      items.push_back({{"id", token.id}, {"name", token.name}, {"role", domain::RoleName(token.role)}});
    }
    return JsonResponse(200, {{"items", items}});
  });
}

ApiResponse RevokeToken(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    auto id = domain::ParseCount(request.params.at(0));
    if (!id) Fail(400, "invalid_argument", "token id must be an integer");
    if (!Check(context.db.RevokeToken(*id))) Fail(404, "not_found", "no token " + request.params.at(0));
    return ApiResponse{204, "application/json", ""};
  });
}

ApiResponse Health(ApiContext& context, const ApiRequest&) noexcept {
  return Guard(context, [&] {
    bool up = context.store.Current() != nullptr;
    return JsonResponse(up ? 200 : 503, {{"status", up ? "ok" : "degraded"}, {"store", context.store.Status()}});
  });
}

}  // namespace tinyforge::server::api
