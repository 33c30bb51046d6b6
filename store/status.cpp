#include "store/status.hpp"

namespace smpp::store {

std::string_view name(StatusCode c) noexcept {
    switch (c) {
        case StatusCode::ok: return "ok";
        case StatusCode::not_found: return "not_found";
        case StatusCode::already_exists: return "already_exists";
        case StatusCode::invalid_argument: return "invalid_argument";
        case StatusCode::failed_precondition: return "failed_precondition";
        case StatusCode::corruption: return "corruption";
        case StatusCode::io_error: return "io_error";
        case StatusCode::closed: return "closed";
        case StatusCode::busy: return "busy";
        case StatusCode::aborted: return "aborted";
    }
    return "unknown";
}

std::string Status::to_string() const {
    std::string s(name(code_));
    if (!message_.empty()) {
        s += ": ";
        s += message_;
    }
    return s;
}

}  // namespace smpp::store
