// Model routes: register (model card JSON-LD or .tfm blob), list/search, get, lineage, delete,
// compatible devices.
#include <algorithm>
#include <set>

#include "server/api/handler_support.h"
#include "server/api/shape_gate.h"
#include "server/api/handlers.h"
#include "server/kg/compatibility_index.h"
#include "server/kg/rdf_mapping.h"
#include "server/kg/registry_queries.h"
#include "server/kg/vocabulary.h"
#include "tinyforge/format/tfm.h"
#include "toolchain/format/blob_reader.h"

namespace tinyforge::server::api {
namespace {

using namespace detail;  // NOLINT: the handlers' own helpers

// The toolchain's package writes tf:-prefixed facts (operators, arena, blob size) into the card;
// the registry's card names them plainly. Explicit fields win.
nlohmann::json NormalizeCard(nlohmann::json card) {
  auto adopt = [&card](const char* from, const char* to) {
    if (!card.contains(to) && card.contains(from)) card[to] = card[from];
  };
  adopt("tf:operators", "ops");
  adopt("tf:arenaBytes", "arena_bytes");
  adopt("tf:modelBytes", "flash_bytes");
  adopt("tf:runtimeVersion", "runtime_version");
  adopt("tf:datasetHash", "dataset_hash");
  return card;
}

// Reads ops, tensors, arena and flash bytes from a .tfm blob; the rest comes from the query.
nlohmann::json CardFromBlob(const ApiRequest& request) {
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(request.body.data()), request.body.size());
  auto loaded = toolchain::LoadBlob(bytes);
  if (!loaded.ok()) Fail(400, "invalid_model_blob", "the .tfm blob is invalid: " + loaded.error().message);
  const Model& model = loaded.value().model();
  nlohmann::json card = nlohmann::json::object();
  std::set<std::string> ops;
  for (uint32_t i = 0; i < model.op_count(); ++i) ops.insert(format::OpName(model.op(i).opcode));
  card["ops"] = std::vector<std::string>(ops.begin(), ops.end());
  auto tensors = [&](uint32_t count, bool inputs) {
    nlohmann::json list = nlohmann::json::array();
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t index = inputs ? model.input_tensor(i) : model.output_tensor(i);
      const format::TensorRecord& tensor = model.tensor(index);
      std::vector<int64_t> shape;
      for (uint32_t d = 0; d < tensor.rank; ++d) shape.push_back(tensor.dims[d]);
      if (shape.empty()) shape.push_back(1);
      list.push_back({{"name", (inputs ? "input" : "output") + std::to_string(i)},
                      {"dtype", format::DTypeName(tensor.dtype)},
                      {"shape", shape}});
    }
    return list;
  };
  card["inputs"] = tensors(model.input_count(), true);
  card["outputs"] = tensors(model.output_count(), false);
  card["arena_bytes"] = model.arena_bytes();
  card["flash_bytes"] = model.blob_bytes();
  for (const char* key : {"id", "version", "name", "description", "runtime_version", "dataset_hash"}) {
    if (!request.Query(key).empty()) card[key] = request.Query(key);
  }
  return card;
}

kg::Term VersionIri(const ApiRequest& request) { return kg::ModelVersionIri(request.params.at(0), request.params.at(1)); }

// The version named by ?version=, else the newest registered one.
std::string ResolveVersion(const kg::RegistryQueries& queries, const ApiRequest& request) {
  if (!request.Query("version").empty()) return request.Query("version");
  auto versions = Check(queries.Versions(request.params.at(0)));
  if (versions.empty()) Fail(404, "not_found", "no model \"" + request.params.at(0) + "\"");
  return versions.back().version;
}

nlohmann::json Rows(const std::vector<kg::ModelVersionRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : rows) out.push_back({{"id", row.id}, {"version", row.version}, {"iri", row.iri}});
  return out;
}

}  // namespace

ApiResponse RegisterModel(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    nlohmann::json card;
    bool from_blob = request.content_type == "application/octet-stream";
    if (from_blob) {
      card = CardFromBlob(request);
    } else {
      card = NormalizeCard(ParseJsonBody(request, "model card"));
    }
    kg::ModelCard parsed = Check(kg::ParseModelCard(card));
    RequireShapes(kg::ModelCardTriples(parsed), "model card");
    RequirePathSafeId(parsed.id, "id");
    RequirePathSafeId(parsed.version, "version");
    auto store = Store(context);
    kg::RegistryQueries queries(*store->graph);
    kg::Term iri = kg::ModelVersionIri(parsed.id, parsed.version);
    if (Check(queries.IsA(iri, kg::Term::Iri(kg::vocab::Tf("ModelVersion")).value()))) {
      Fail(409, "conflict", "model \"" + parsed.id + "\" version " + parsed.version + " is already registered");
    }
    // One update: the model's triples and its tf:canRun index rows, all or nothing.
    Check(kg::CompatibilityIndex(*store->graph).AddModel(parsed));
    auto saved = context.db.PutDocument("model", ModelKey(parsed.id, parsed.version),
                                        card.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (!saved.ok()) {
      (void)kg::CompatibilityIndex(*store->graph).RemoveModel(iri);
      Fail(500, "internal", saved.error().message);
    }
    return JsonResponse(201, {{"id", parsed.id}, {"version", parsed.version}, {"iri", iri.value()},
                              {"card", card}});
  });
}

// PUT: create or replace one version from a card. The path names the version; a card without id
// or version takes them from the path, one that names another is refused. Validated exactly like a
// registration (JSON types, then the shapes); the old triples and index rows go, the new ones come.
ApiResponse ReplaceModelVersion(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    const std::string& id = request.params.at(0);
    const std::string& version = request.params.at(1);
    nlohmann::json card = NormalizeCard(ParseJsonBody(request, "model card"));
    if (!card.contains("id")) card["id"] = id;
    if (!card.contains("version")) card["version"] = version;
    kg::ModelCard parsed = Check(kg::ParseModelCard(card));
    RequireShapes(kg::ModelCardTriples(parsed), "model card");
    if (parsed.id != id || parsed.version != version) {
      Fail(400, "invalid_argument", "the card's id/version \"" + parsed.id + "\" " + parsed.version +
                                        " differ from the path's \"" + id + "\" " + version);
    }
    RequirePathSafeId(id, "id");
    auto store = Store(context);
    kg::RegistryQueries queries(*store->graph);
    kg::Term iri = kg::ModelVersionIri(id, version);
    bool existed = Check(queries.IsA(iri, kg::Term::Iri(kg::vocab::Tf("ModelVersion")).value()));
    kg::CompatibilityIndex index(*store->graph);
    if (existed) Check(index.RemoveModel(iri));  // its triples and tf:canRun rows
    Check(index.AddModel(parsed));
    Check(context.db.PutDocument("model", ModelKey(id, version),
                                 card.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
    return JsonResponse(existed ? 200 : 201, {{"id", id}, {"version", version}, {"iri", iri.value()}, {"card", card}});
  });
}

ApiResponse ListModels(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    domain::PageRequest page = Page(request);
    auto store = Store(context);
    kg::RegistryQueries queries(*store->graph);
    kg::ModelSearch search{request.Query("q"), request.Query("op")};
    auto found = Check(queries.SearchModels(search, page.offset, page.limit));
    nlohmann::json items = nlohmann::json::array();
    for (const auto& row : found.items) {
      items.push_back({{"id", row.id}, {"version", row.version}, {"name", row.name}, {"iri", row.iri}});
    }
    return JsonResponse(200, {{"total", found.total}, {"offset", page.offset}, {"limit", page.limit}, {"items", items}});
  });
}

ApiResponse GetModel(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    auto store = Store(context);
    kg::RegistryQueries queries(*store->graph);
    auto versions = Check(queries.Versions(request.params.at(0)));
    if (versions.empty()) Fail(404, "not_found", "no model \"" + request.params.at(0) + "\"");
    auto latest = Check(context.db.GetDocument("model", ModelKey(request.params.at(0), versions.back().version)));
    return JsonResponse(200, {{"id", request.params.at(0)}, {"versions", Rows(versions)},
                              {"latest", versions.back().version},
                              {"card", latest ? nlohmann::json::parse(*latest, nullptr, false) : nlohmann::json()}});
  });
}

ApiResponse GetModelVersion(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    auto store = Store(context);
    kg::RegistryQueries queries(*store->graph);
    kg::Term iri = VersionIri(request);
    if (!Check(queries.IsA(iri, kg::Term::Iri(kg::vocab::Tf("ModelVersion")).value()))) {
      Fail(404, "not_found", "no model \"" + request.params.at(0) + "\" version \"" + request.params.at(1) + "\"");
    }
    auto document = Check(context.db.GetDocument("model", ModelKey(request.params.at(0), request.params.at(1))));
    auto ancestors = Check(queries.Ancestors(iri));
    auto descendants = Check(queries.Descendants(iri));
    auto deployed = Check(context.db.CountDeploymentsOf(request.params.at(0), request.params.at(1)));
    return JsonResponse(200, {{"id", request.params.at(0)}, {"version", request.params.at(1)}, {"iri", iri.value()},
                              {"card", document ? nlohmann::json::parse(*document, nullptr, false) : nlohmann::json()},
                              {"lineage", {{"ancestors", Rows(ancestors)}, {"descendants", Rows(descendants)}}},
                              {"deployments", deployed}});
  });
}

ApiResponse DeleteModelVersion(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    auto store = Store(context);
    kg::RegistryQueries queries(*store->graph);
    kg::Term iri = VersionIri(request);
    if (!Check(queries.IsA(iri, kg::Term::Iri(kg::vocab::Tf("ModelVersion")).value()))) {
      Fail(404, "not_found", "no model \"" + request.params.at(0) + "\" version \"" + request.params.at(1) + "\"");
    }
    int64_t deployed = Check(context.db.CountDeploymentsOf(request.params.at(0), request.params.at(1)));
    if (deployed > 0) {
      Fail(409, "deployed", "model \"" + request.params.at(0) + "\" version " + request.params.at(1) +
                                " is deployed on " + std::to_string(deployed) + " device(s); undeploy it first");
    }
    Check(kg::CompatibilityIndex(*store->graph).RemoveModel(iri));  // with its tf:canRun rows
    Check(context.db.DeleteDocument("model", ModelKey(request.params.at(0), request.params.at(1))));
    return ApiResponse{204, "application/json", ""};
  });
}

ApiResponse CompatibleDevices(ApiContext& context, const ApiRequest& request) noexcept {
  return Guard(context, [&] {
    bool everything = request.Query("limit") == "all";
    ApiRequest paged = request;
    if (everything) paged.query.erase("limit");
    domain::PageRequest page = Page(paged);
    auto store = Store(context);
    kg::RegistryQueries queries(*store->graph);
    std::string version = ResolveVersion(queries, request);
    kg::Term iri = kg::ModelVersionIri(request.params.at(0), version);
    kg::CompatibilityQueries compatibility(*store->graph);
    kg::CompatibilityIndex index(*store->graph);
    bool all = request.Query("include") == "all";
    if (!request.Query("include").empty() && !all) Fail(400, "invalid_argument", "include must be \"all\" or absent");
    if (everything) {
      // The full answer in one response (limit=all): every compatible device, checked against COUNT.
      if (all) Fail(400, "invalid_argument", "limit=all lists compatible devices only; page include=all");
      auto ids = Check(index.AllCompatibleDevices(iri));
      nlohmann::json items = nlohmann::json::array();
      for (const auto& id : ids) items.push_back({{"id", id}, {"compatible", true}});
      return JsonResponse(200, {{"total", ids.size()}, {"offset", 0}, {"limit", "all"}, {"items", items},
                                {"model", {{"id", request.params.at(0)}, {"version", version}}}});
    }
    // Compatible only: one join through the in-store index; with reasons: the two-step queries.
    auto result = all ? compatibility.DevicesWithReasons(iri, page.offset, page.limit)
                      : index.CompatibleDevices(iri, page.offset, page.limit);
    nlohmann::json body = CandidatePageJson(Check(std::move(result)), page.limit, false);
    body["model"] = {{"id", request.params.at(0)}, {"version", version}};
    return JsonResponse(200, body);
  });
}

}  // namespace tinyforge::server::api
