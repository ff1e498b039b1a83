// Result<T> for the knowledge-graph layer: a value or an error naming what failed and where.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace tinyforge::server::kg {

enum class ErrorKind {
  kInvalidArgument,  // bad user input (field, IRI, version...): maps to HTTP 400
  kStore,            // the SPARQL store refused or failed: maps to HTTP 502
  kTruncated,        // the store returned fewer rows than it counted: never accepted as complete
  kProcess,          // starting/stopping the local Virtuoso failed
  kNotFound,
};

struct Error {
  ErrorKind kind;
  std::string message;  // names the field / endpoint / query that failed
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT
  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

struct Ok {};  // Result<Ok> for operations with no value.

inline Error MakeError(ErrorKind kind, std::string message) { return Error{kind, std::move(message)}; }

}  // namespace tinyforge::server::kg

// Propagates an error from an expression returning Result<...>.
#define TINYFORGE_KG_TRY(var, expr)                  \
  auto var##_result = (expr);                        \
  if (!var##_result.ok()) return var##_result.error(); \
  auto& var = var##_result.value()
