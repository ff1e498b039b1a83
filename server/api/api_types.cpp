// Error -> HTTP status mapping and response helpers (see api_types.h).
#include "server/api/api_types.h"

namespace tinyforge::server::api {

ApiError FromKgError(const kg::Error& error) {
  switch (error.kind) {
    case kg::ErrorKind::kInvalidArgument: return {400, "invalid_argument", error.message};
    case kg::ErrorKind::kNotFound: return {404, "not_found", error.message};
    case kg::ErrorKind::kTruncated: return {502, "store_truncated", error.message};
    case kg::ErrorKind::kProcess: return {500, "internal", error.message};
    case kg::ErrorKind::kStore:
      // An HTTP status in the message means the store answered (and refused); otherwise the
      // connection failed: the store is down.
      if (error.message.find(": HTTP ") != std::string::npos) return {502, "store_error", error.message};
      return {503, "store_unavailable",
              "the knowledge graph store is unavailable; retry shortly (" + error.message + ")"};
  }
  return {500, "internal", error.message};
}

ApiResponse ErrorResponse(const ApiError& error) {
  nlohmann::json body = {{"error", {{"status", error.status}, {"code", error.code}, {"message", error.message}}}};
  if (!error.violations.is_null()) body["error"]["violations"] = error.violations;
  return {error.status, "application/json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

ApiResponse JsonResponse(int status, const nlohmann::json& body) {
  return {status, "application/json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

}  // namespace tinyforge::server::api
