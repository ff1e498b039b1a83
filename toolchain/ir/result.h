// Result<T>: the host toolchain's error type — a value or an Error whose message names the
// file/op/tensor at fault. A tiny std::expected stand-in (C++20 has none).
#ifndef TINYFORGE_TOOLCHAIN_IR_RESULT_H_
#define TINYFORGE_TOOLCHAIN_IR_RESULT_H_

#include <string>
#include <utility>
#include <variant>

namespace tinyforge::toolchain {

struct Error {
  std::string message;
};

// Holds either a T or an Error. Accessing value() of an error (or error() of a value) is a
// programming bug; both are checked by std::get and throw std::bad_variant_access.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<0>(state_); }
  T& value() & { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

// Success-or-error for functions with no value.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

inline Error MakeError(std::string message) { return Error{std::move(message)}; }

}  // namespace tinyforge::toolchain

// Propagates the error of a Result-returning expression.
#define TINYFORGE_TRY(expr)                                          \
  do {                                                               \
    auto tinyforge_try_result_ = (expr);                             \
    if (!tinyforge_try_result_.ok()) return tinyforge_try_result_.error(); \
  } while (0)

#endif  // TINYFORGE_TOOLCHAIN_IR_RESULT_H_
