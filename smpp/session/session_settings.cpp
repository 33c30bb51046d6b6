#include "smpp/session/session_settings.hpp"

#include "smpp/protocol/pdu.hpp"

namespace smpp::session {

std::string SessionSettings::validate() const {
    using std::chrono::milliseconds;
    if (system_id.size() >= protocol::limits::system_id) return "system_id must be at most 15 characters";
    if (window < 1) return "window must be >= 1";
    if (response_timeout <= milliseconds::zero()) return "response_timeout must be > 0";
    if (enquire_link_interval < milliseconds::zero()) return "enquire_link_interval must be >= 0 (0 disables)";
    if (bind_timeout <= milliseconds::zero()) return "bind_timeout must be > 0";
    if (unbind_timeout <= milliseconds::zero()) return "unbind_timeout must be > 0";
    if (write_queue_limit < 2 * protocol::header_size) return "write_queue_limit must be >= 32 bytes";
    if (max_command_length < max_command_length_floor || max_command_length > max_command_length_ceiling)
        return "max_command_length must be between " + std::to_string(max_command_length_floor) + " and " +
               std::to_string(max_command_length_ceiling);
    return {};
}

}  // namespace smpp::session
