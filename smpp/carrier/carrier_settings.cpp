#include "smpp/carrier/carrier_settings.hpp"

#include <cctype>
#include <algorithm>
#include <filesystem>

#include "smpp/protocol/framing.hpp"
#include "smpp/protocol/pdu.hpp"

namespace smpp::carrier {

namespace {

using Error = CarrierSettings::Error;

std::optional<Error> err(std::string field, std::string message) { return Error{std::move(field), std::move(message)}; }

std::optional<Error> file_exists(const std::string& field, const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return err(field, "no such file: " + path);
    return std::nullopt;
}

constexpr std::chrono::milliseconds max_ms{86'400'000};

}  // namespace

std::optional<Error> CarrierSettings::validate() const {
    if (id.empty() || id.size() > 32) return err("id", "must be 1 to 32 characters");
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
            return err("id", "may hold only letters, digits, '_' and '-'");
    if (endpoints.empty()) return err("endpoints", "at least one endpoint is required");
    for (const auto& e : endpoints)
        if (e.host.empty() || e.port == 0) return err("endpoints", "every endpoint needs a host and a port");
    if (tls.enabled) {
        if (tls.ca_file.empty()) return err("tls.ca_file", "is required when TLS is on");
        if (auto e = file_exists("tls.ca_file", tls.ca_file)) return e;
        if (!tls.cert_file.empty()) {
            if (auto e = file_exists("tls.cert_file", tls.cert_file)) return e;
            if (tls.key_file.empty()) return err("tls.key_file", "is required with tls.cert_file");
            if (auto e = file_exists("tls.key_file", tls.key_file)) return e;
        }
        // Load the PEM files now, so a bad certificate or a key that does
        // not match fails at config load, not at the first connect.
        if (auto r = session::make_client_context(tls); !r.context) {
            const auto space = r.error.find(' ');
            const auto colon = r.error.find(':');
            const auto end = std::min(space, colon);
            return err("tls." + r.error.substr(0, end), r.error.substr(std::min(r.error.size(), end + (end == colon ? 2 : 1))));
        }
    }
    if (system_id.empty() || system_id.size() >= protocol::limits::system_id)
        return err("system_id", "must be 1 to 15 characters");
    if (password.size() >= protocol::limits::password) return err("password", "must be at most 8 characters");
    if (system_type.size() >= protocol::limits::system_type) return err("system_type", "must be at most 12 characters");
    if (address_range.size() >= protocol::limits::address_range)
        return err("address_range", "must be at most 40 characters");
    if (binds < 1 || binds > 64) return err("binds", "must be between 1 and 64");
    if (window < 1 || window > 10'000) return err("window", "must be between 1 and 10000");
    if (max_tps < 1 || max_tps > 1'000'000) return err("max_tps", "must be between 1 and 1000000");
    if (enquire_link_interval.count() < 0 || enquire_link_interval > max_ms)
        return err("enquire_link_interval_ms", "must be between 0 and 86400000");
    if (response_timeout.count() < 1 || response_timeout > max_ms)
        return err("response_timeout_ms", "must be between 1 and 86400000");
    if (unbound_timeout.count() < 0 || unbound_timeout > max_ms)
        return err("unbound_timeout_ms", "must be between 0 and 86400000");
    if (bind_timeout.count() < 1 || bind_timeout > max_ms) return err("bind_timeout_ms", "must be between 1 and 86400000");
    if (connect_timeout.count() < 1 || connect_timeout > max_ms)
        return err("connect_timeout_ms", "must be between 1 and 86400000");
    if (reconnect.base.count() <= 0) return err("reconnect.base_ms", "must be > 0");
    if (reconnect.max < reconnect.base) return err("reconnect.max_ms", "must be >= reconnect.base_ms");
    if (!(reconnect.jitter >= 0.0 && reconnect.jitter <= 1.0)) return err("reconnect.jitter", "must be within 0..1");
    if (max_failed_binds < 1 || max_failed_binds > 1000) return err("max_failed_binds", "must be between 1 and 1000");
    if (hold_off.count() < 1 || hold_off > max_ms) return err("hold_off_ms", "must be between 1 and 86400000");
    if (!(throttle.decrease_factor > 0.0 && throttle.decrease_factor < 1.0))
        return err("throttle.decrease_factor", "must be between 0 and 1 (exclusive)");
    if (!(throttle.recovery_step >= 0.0)) return err("throttle.recovery_step", "must be >= 0");
    if (throttle.recovery_interval.count() < 1) return err("throttle.recovery_interval_ms", "must be > 0");
    if (!(throttle.floor_tps > 0.0 && throttle.floor_tps <= max_tps))
        return err("throttle.floor_tps", "must be > 0 and <= max_tps");
    if (throttle.cut_hold.count() < 0) return err("throttle.cut_hold_ms", "must be >= 0");
    if (default_alphabet != "gsm7" && default_alphabet != "ascii" && default_alphabet != "latin1")
        return err("default_alphabet", "must be one of gsm7, ascii, latin1");
    if (max_message_parts < 1 || max_message_parts > 255) return err("max_message_parts", "must be between 1 and 255");
    if (queue_limit < 1) return err("queue_limit", "must be >= 1");
    return std::nullopt;
}

session::ClientSettings CarrierSettings::client_settings(session::bind_type type) const {
    session::ClientSettings c;
    c.endpoints = endpoints;
    c.bind.type = type;
    c.bind.system_id = system_id;
    c.bind.password = password;
    c.bind.system_type = system_type;
    c.bind.addr_ton = addr_ton;
    c.bind.addr_npi = addr_npi;
    c.bind.address_range = address_range;
    c.session.system_id = id;
    c.session.window = window;
    c.session.response_timeout = response_timeout;
    c.session.enquire_link_interval = enquire_link_interval;
    c.session.bind_timeout = bind_timeout;
    c.backoff = reconnect;
    c.connect_timeout = connect_timeout;
    c.max_failed_binds = max_failed_binds;
    c.hold_off = hold_off;
    c.tls = tls;
    return c;
}

std::string_view name(bind_mode m) noexcept {
    return m == bind_mode::transceiver ? "transceiver" : "transmitter_receiver";
}

std::string_view name(receipt_id_format f) noexcept {
    switch (f) {
        case receipt_id_format::hex: return "hex";
        case receipt_id_format::decimal: return "decimal";
        case receipt_id_format::uuid: return "uuid";
        case receipt_id_format::text: return "text";
        case receipt_id_format::hex_to_decimal: return "hex_to_decimal";
        case receipt_id_format::decimal_to_hex: return "decimal_to_hex";
    }
    return "?";
}

}  // namespace smpp::carrier
