// Roles of API tokens and what each may do: pure logic, no HTTP/SQL types.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tinyforge::server::domain {

// Ordered: each role can do everything the ones before it can.
enum class Role { kViewer = 0, kEngineer = 1, kAdmin = 2 };

// What a route needs: reading (GET, SPARQL queries), writing registry entries, administration
// (tokens, graph import, SPARQL update).
enum class Permission { kRead, kWrite, kAdminister };

inline const char* RoleName(Role role) {
  switch (role) {
    case Role::kViewer: return "viewer";
    case Role::kEngineer: return "engineer";
    case Role::kAdmin: return "admin";
  }
  return "viewer";
}

inline std::optional<Role> ParseRole(std::string_view name) {
  if (name == "viewer") return Role::kViewer;
  if (name == "engineer") return Role::kEngineer;
  if (name == "admin") return Role::kAdmin;
  return std::nullopt;
}

inline bool Allows(Role role, Permission permission) {
  switch (permission) {
    case Permission::kRead: return true;
    case Permission::kWrite: return role == Role::kEngineer || role == Role::kAdmin;
    case Permission::kAdminister: return role == Role::kAdmin;
  }
  return false;
}

}  // namespace tinyforge::server::domain
