// Internal helpers of the handlers: inside a handler an ApiFailure carries the error to Guard(),
// the noexcept edge that turns it (or any stray exception) into a JSON error response.
#pragma once

#include <exception>
#include <memory>
#include <string>

#include "server/api/api_types.h"
#include "server/domain/paging.h"
#include "server/kg/rdf_mapping.h"

namespace tinyforge::server::api::detail {

struct ApiFailure {
  ApiError error;
};

[[noreturn]] inline void Fail(int status, std::string code, std::string message) {
  throw ApiFailure{{status, std::move(code), std::move(message)}};
}

template <typename Body>
ApiResponse Guard(ApiContext& context, Body&& body) noexcept {
  try {
    return body();
  } catch (const ApiFailure& failure) {
    if (failure.error.status == 503) context.store.ReportFailure();
    return ErrorResponse(failure.error);
  } catch (const std::exception& error) {
    return ErrorResponse({500, "internal", std::string("internal error: ") + error.what()});
  } catch (...) {
    return ErrorResponse({500, "internal", "internal error"});
  }
}

// The live store or a 503.
inline std::shared_ptr<const kg::StoreHandle> Store(ApiContext& context) {
  auto handle = context.store.Current();
  if (!handle) Fail(503, "store_unavailable", "the knowledge graph store is unavailable (" + context.store.Status() + "); retry shortly");
  return handle;
}

// Unwraps a layer result or fails with its mapped status.
template <typename T>
T Check(kg::Result<T> result) {
  if (!result.ok()) {
    ApiError error = FromKgError(result.error());
    throw ApiFailure{error};
  }
  return std::move(result).value();
}

inline nlohmann::json ParseJsonBody(const ApiRequest& request, const char* what) {
  nlohmann::json document = nlohmann::json::parse(request.body, nullptr, false);
  if (document.is_discarded()) Fail(400, "malformed_json", std::string(what) + ": the body is not valid JSON");
  if (!document.is_object()) Fail(400, "malformed_json", std::string(what) + ": the body must be a JSON object");
  return document;
}

inline domain::PageRequest Page(const ApiRequest& request) {
  auto page = domain::ParsePage(request.Query("offset"), request.Query("limit"));
  if (!page) {
    Fail(400, "invalid_argument", "offset must be an integer >= 0 and limit an integer in 1.." +
                                      std::to_string(domain::kMaxPageSize));
  }
  return *page;
}

// Ids are single URL path segments (/api/v1/devices/{id}); httplib decodes %2F before routing.
inline void RequirePathSafeId(const std::string& id, const char* field) {
  if (id.find('/') != std::string::npos) Fail(400, "invalid_argument", std::string(field) + ": must not contain '/'");
}

// A WoT TD 1.1 with capabilities, validated (every violation in one 400); device_handlers.cpp.
kg::DeviceDescription ValidateDevice(const nlohmann::json& td);

inline std::string ModelKey(const std::string& id, const std::string& version) { return id + "\n" + version; }

}  // namespace tinyforge::server::api::detail

#include "server/kg/compatibility.h"

namespace tinyforge::server::api::detail {

inline nlohmann::json CandidatePageJson(const kg::CandidatePage& page, int64_t limit, bool models) {
  nlohmann::json items = nlohmann::json::array();
  for (const kg::Candidate& candidate : page.items) {
    nlohmann::json item = {{"id", candidate.id}, {"iri", candidate.iri}, {"compatible", candidate.compatible()}};
    if (models) item["version"] = candidate.version;
    nlohmann::json reasons = nlohmann::json::array();
    for (const kg::Reason& reason : candidate.reasons) {
      nlohmann::json entry = {{"kind", kg::ReasonKindName(reason.kind)}, {"message", reason.Describe()}};
      if (reason.amount != 0) entry["bytes_short"] = reason.amount;
      if (!reason.op.empty()) entry["op"] = reason.op;
      if (!reason.runtime_version.empty()) entry["runtime_version"] = reason.runtime_version;
      if (!reason.required_version.empty()) entry["required_version"] = reason.required_version;
      if (!reason.sensor_type.empty()) entry["sensor_type"] = reason.sensor_type;
      if (reason.rate_hz != 0) entry["rate_hz"] = reason.rate_hz;
      reasons.push_back(entry);
    }
    item["reasons"] = reasons;
    items.push_back(item);
  }
  return {{"total", page.total}, {"offset", page.offset}, {"limit", limit}, {"items", items}};
}

}  // namespace tinyforge::server::api::detail
