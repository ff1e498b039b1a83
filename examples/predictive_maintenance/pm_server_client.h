// The example talks to `tinyforge serve` (an in-process ServerApp: the same server, its own
// Virtuoso and Mosquitto in the work directory) only through its REST API, as an operator would.
#pragma once

#include <httplib.h>

#include <string>

#include <nlohmann/json.hpp>

namespace tinyforge::examples::pm {

struct RestReply {
  int status = -1;  // -1: no answer
  nlohmann::json body;
  std::string text;
};

class RestClient {
 public:
  RestClient(std::string host, int port, std::string token)
      : host_(std::move(host)), port_(port), token_(std::move(token)) {}
  RestReply Get(const std::string& path) const { return Send("GET", path, "", ""); }
  RestReply PostJson(const std::string& path, const nlohmann::json& body) const {
    return Send("POST", path, body.dump(), "application/json");
  }
  RestReply PostBytes(const std::string& path, const std::string& bytes) const {
    return Send("POST", path, bytes, "application/octet-stream");
  }

 private:
  RestReply Send(const std::string& method, const std::string& path, const std::string& body,
                 const std::string& type) const {
    httplib::Client client(host_, port_);
    client.set_read_timeout(120, 0);
    client.set_bearer_token_auth(token_);
    auto result = method == "GET" ? client.Get(path.c_str()) : client.Post(path.c_str(), body, type.c_str());
    RestReply reply;
    if (!result) {
      reply.text = method + " " + path + ": no answer (" + httplib::to_string(result.error()) + ")";
      return reply;
    }
    reply.status = result->status;
    reply.text = result->body;
    reply.body = nlohmann::json::parse(result->body, nullptr, false);
    return reply;
  }
  std::string host_;
  int port_;
  std::string token_;
};

}  // namespace tinyforge::examples::pm
