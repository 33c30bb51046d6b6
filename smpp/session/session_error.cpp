#include "smpp/session/session_error.hpp"

#include <string>

namespace smpp::session {
namespace {

class SessionCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "smpp.session"; }
    std::string message(int v) const override {
        switch (static_cast<session_errc>(v)) {
            case session_errc::window_full: return "window full";
            case session_errc::write_queue_full: return "write queue full";
            case session_errc::response_timeout: return "response timeout";
            case session_errc::session_closed: return "session closed";
            case session_errc::not_bound: return "session state does not allow this request";
            case session_errc::encode_failed: return "encode failed";
        }
        return "unknown session error " + std::to_string(v);
    }
};

}  // namespace

const std::error_category& session_category() noexcept {
    static const SessionCategory category;
    return category;
}

}  // namespace smpp::session
