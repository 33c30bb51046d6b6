#pragma once
// Errors as values for the store: a code the caller can branch on and a
// message for the log. Modelled on rocksdb::Status / absl::Status, small
// enough that store/ users need neither library in their headers.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace smpp::store {

enum class StatusCode : std::uint8_t {
    ok,
    not_found,
    already_exists,
    invalid_argument,
    // The record is in a state that forbids the change (a final record).
    failed_precondition,
    corruption,
    io_error,
    // The ledger is shutting down; the write was not attempted.
    closed,
    // Too many writes queued; try later (upstream: ESME_RMSGQFUL).
    busy,
    // The record changed since the caller read it (replace_sm): read it
    // again and decide anew.
    aborted,
};

std::string_view name(StatusCode c) noexcept;

class Status {
public:
    Status() = default;
    Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

    bool ok() const noexcept { return code_ == StatusCode::ok; }
    StatusCode code() const noexcept { return code_; }
    const std::string& message() const noexcept { return message_; }
    // "not_found: message 0ABC..." for logs.
    std::string to_string() const;

    friend bool operator==(const Status& a, const Status& b) { return a.code_ == b.code_; }

private:
    StatusCode code_ = StatusCode::ok;
    std::string message_;
};

// A value or the reason there is none. Never holds an ok Status.
template <class T>
class StatusOr {
public:
    StatusOr(T value) : v_(std::move(value)) {}
    StatusOr(Status status) : v_(std::move(status)) {
        if (std::get<Status>(v_).ok()) v_ = Status(StatusCode::invalid_argument, "StatusOr built from ok status");
    }

    bool ok() const noexcept { return std::holds_alternative<T>(v_); }
    const Status& status() const noexcept {
        static const Status ok_status;
        return ok() ? ok_status : std::get<Status>(v_);
    }
    T& value() & { return std::get<T>(v_); }
    const T& value() const& { return std::get<T>(v_); }
    T&& value() && { return std::get<T>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

private:
    std::variant<T, Status> v_;
};

}  // namespace smpp::store
