#pragma once
// Outcomes of a request that did not end in a response.
#include <system_error>

namespace smpp::session {

enum class session_errc {
    window_full = 1,       // too many outstanding requests: queue and retry later
    write_queue_full,      // the socket is not draining: back off
    response_timeout,      // no response in time: the request is in doubt
    session_closed,        // the session closed before a response came
    not_bound,             // the session's state does not allow this request
    encode_failed,         // a field does not fit its SMPP size
};

const std::error_category& session_category() noexcept;

inline std::error_code make_error_code(session_errc e) noexcept {
    return {static_cast<int>(e), session_category()};
}

}  // namespace smpp::session

template <>
struct std::is_error_code_enum<smpp::session::session_errc> : std::true_type {};
