#pragma once
// Settings of one carrier: where its SMSCs are, how we bind, how fast and how
// wide we may send. Plain data; conf/ fills it from YAML and validate()
// rejects nonsense before anything connects.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smpp/session/backoff.hpp"
#include "smpp/session/client.hpp"

namespace smpp::carrier {

// transceiver: `binds` bind_transceiver sessions. transmitter_receiver:
// `binds` pairs of bind_transmitter (submits) + bind_receiver (receipts).
enum class bind_mode { transceiver, transmitter_receiver };

// How this carrier writes the message_id of submit_sm_resp and receipts, so
// the receipts issue can normalise both sides before matching: hex or
// decimal (the receipts; the submit_sm_resp the same or the other base),
// uuid, text (unknown); hex_to_decimal and decimal_to_hex when the two
// sides always differ (submit_sm_resp hex and receipts decimal, or the
// reverse), which rules the same-digits reading out.
enum class receipt_id_format { hex, decimal, uuid, text, hex_to_decimal, decimal_to_hex };

// TLS to the carrier's SMSC: enabled, ca_file, cert_file + key_file (our
// client certificate, optional), verify_peer, server_name (SNI and the name
// checked in its certificate; empty = the endpoint's host).
using TlsSettings = session::TlsClientSettings;

// Adaptive rate (AIMD) on ESME_RTHROTTLED / ESME_RMSGQFUL.
struct ThrottleSettings {
    double decrease_factor = 0.5;                 // rate *= this on a throttling answer
    double recovery_step = 0;                     // tps added per interval; 0 = max_tps / 10
    std::chrono::milliseconds recovery_interval{1'000};
    double floor_tps = 1;                         // never below this
    // Throttling answers within this time of the last cut count as one: a
    // full window answered RTHROTTLED must not cut the rate fifty times.
    std::chrono::milliseconds cut_hold{0};        // 0 = response_timeout / 10, at least 100 ms
    std::uint32_t max_retries = 10;               // throttled resends of one message before transient
};

struct CarrierSettings {
    std::string id;    // short and stable: routes and the ledger name carriers by it
    std::string name;  // for people
    std::vector<session::Endpoint> endpoints;  // tried in turn
    TlsSettings tls;

    std::string system_id;
    std::string password;
    std::string system_type;
    std::uint8_t addr_ton = 0;
    std::uint8_t addr_npi = 0;
    std::string address_range;

    bind_mode mode = bind_mode::transceiver;
    std::uint32_t binds = 1;
    std::uint32_t window = 10;   // per bind
    std::uint32_t max_tps = 50;  // for the whole carrier, shared by its binds
    std::chrono::milliseconds enquire_link_interval{30'000};
    std::chrono::milliseconds response_timeout{10'000};
    std::chrono::milliseconds bind_timeout{10'000};
    std::chrono::milliseconds connect_timeout{5'000};
    // With no bind able to take submits for this long (down, holding off
    // after failed binds), the carrier refuses its queue and new submits
    // (refusal::unbound) until one binds, so they can go elsewhere. 0: they
    // wait for a bind however long.
    std::chrono::milliseconds unbound_timeout{10'000};
    session::BackoffSettings reconnect;
    std::uint32_t max_failed_binds = 5;  // binds refused for credentials, per bind; then hold_off
    std::chrono::milliseconds hold_off{600'000};
    ThrottleSettings throttle;

    std::uint8_t default_data_coding = 0;
    // What data_coding 0 (the SMSC default alphabet) means at this carrier.
    std::string default_alphabet = "gsm7";  // gsm7, ascii, latin1
    receipt_id_format receipt_id = receipt_id_format::text;
    bool accepts_message_payload = false;
    std::uint32_t max_message_parts = 10;
    std::size_t queue_limit = 10'000;  // queued submits before submit() refuses
    // Messages the forward path lets be `sending` to this carrier at once;
    // the rest wait there as queued, by class (relay/carrier_credits.hpp).
    // 0: binds x window + max_tps / 10.
    std::uint32_t max_sending = 0;
    // A backup carrier keeps its binds up and warm (enquire_link) and takes
    // no traffic until it is made active.
    bool backup = false;

    struct Error {
        std::string field;  // the YAML key path, e.g. "reconnect.base_ms"
        std::string message;
    };
    std::optional<Error> validate() const;

    // The Client settings of one bind of this carrier.
    session::ClientSettings client_settings(session::bind_type type) const;
};

std::string_view name(bind_mode m) noexcept;
std::string_view name(receipt_id_format f) noexcept;

}  // namespace smpp::carrier
