#pragma once
// Errors as values for routing/: loaders, the image validator and the
// shared-memory wrapper return Result<T>; nothing in the lookup path throws.
#include <string>
#include <utility>
#include <variant>

namespace smpp::routing {

struct Error {
    // Complete text for logs and operators: "<file>:<line>: <field>: <what>"
    // for a route-table error, a plain sentence otherwise.
    std::string message;
    // Set by the table loaders only, so tests and tools can point at the place.
    std::string file;
    int line = 0;
    std::string field;
};

template <class T>
class Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const noexcept { return std::holds_alternative<T>(v_); }
    explicit operator bool() const noexcept { return ok(); }
    const Error& error() const { return std::get<Error>(v_); }
    T& value() & { return std::get<T>(v_); }
    const T& value() const& { return std::get<T>(v_); }
    T&& value() && { return std::get<T>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }

private:
    std::variant<T, Error> v_;
};

// For operations that succeed with nothing to return.
struct Done {};

}  // namespace smpp::routing
