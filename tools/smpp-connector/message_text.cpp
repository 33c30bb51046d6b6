#include "tools/smpp-connector/message_text.hpp"

#include <ctime>

#include <fmt/format.h>

#include "smpp/protocol/command_status.hpp"

namespace smpp::admin {

namespace {

std::string or_dash(std::string_view s) { return s.empty() ? std::string("-") : std::string(s); }

// Carrier ids and reasons come from peers and tables: one line each, whatever they hold.
std::string one_line(std::string_view s) {
    std::string out;
    for (char c : s) out += (c == '\n' || c == '\r') ? ' ' : c;
    return out;
}

std::string address_text(const store::Address& a) {
    return fmt::format("ton={} npi={} {}", a.ton, a.npi, or_dash(one_line(a.address)));
}

std::string status_text(std::uint32_t status) {
    return fmt::format("0x{:08X} ({})", status, protocol::name(static_cast<protocol::command_status>(status)));
}

// An attempt holds a submit_sm_resp's command_status only when one was
// recorded: an id (ESME_ROK) or an error. A transient refusal moves the
// message on to the next attempt without writing its status, so 0 without
// an id is "none recorded", never ESME_ROK.
std::string attempt_status_text(const store::Attempt& a) {
    if (a.command_status == 0 && a.carrier_message_id.empty()) return "-";
    return status_text(a.command_status);
}

std::string plural(std::size_t n, std::string_view word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); }

}  // namespace

std::string utc_millis(store::Timestamp t) {
    if (t == store::Timestamp{}) return "-";
    const auto ms = t.time_since_epoch().count();
    // Floor, so instants before 1970 (never written, but decodable) keep a valid millisecond part.
    auto secs = ms / 1000;
    auto rest = ms % 1000;
    if (rest < 0) rest += 1000, --secs;
    const std::time_t tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:03}Z", buf, rest);
}

std::string units_of_micros(std::int64_t micros) {
    // Unsigned arithmetic so INT64_MIN has a magnitude too.
    const bool negative = micros < 0;
    const std::uint64_t magnitude =
        negative ? std::uint64_t{0} - static_cast<std::uint64_t>(micros) : static_cast<std::uint64_t>(micros);
    return fmt::format("{}{}.{:06}", negative ? "-" : "", magnitude / 1'000'000, magnitude % 1'000'000);
}

std::string message_text(const store::MessageRecord& r) {
    std::string out;
    out += fmt::format("account {} sequence_number={} user_message_reference={} service_type={} upstream_id={} "
                       "bind={}\n",
                       or_dash(one_line(r.account)), r.upstream_sequence_number,
                       r.user_message_reference ? std::to_string(*r.user_message_reference) : "-",
                       or_dash(one_line(r.service_type)), r.upstream_id.valid() ? r.upstream_id.to_string() : "-",
                       or_dash(one_line(r.upstream_bind)));
    out += "source " + address_text(r.source) + "\n";
    out += "destination " + address_text(r.destination) + "\n";
    out += fmt::format("data_coding=0x{:02X} esm_class=0x{:02X} registered_delivery=0x{:02X} priority_flag={} "
                       "payload={}\n",
                       r.data_coding, r.esm_class, r.registered_delivery, r.priority_flag,
                       plural(r.payload.size(), "octet"));
    out += fmt::format("segments {}", r.segment_count);
    if (const auto& c = r.concatenation)
        out += fmt::format(" ({} part {} of {}, reference {})", r.split_by_us ? "our" : "upstream", c->number, c->total,
                           c->reference);
    // Which message the upstream knows this part as: upstream_id above.
    if (r.split_by_us) out += " (split by us from one message_payload)";
    out += "\n";
    out += "class " + or_dash(one_line(r.traffic_class)) + "\n";
    // cost_micros is already the carrier's price per part times the parts
    // (the forward path bills the carrier that took it).
    // fmt's own concatenation: g++ 12 at -O3 warns (-Wrestrict, a false
    // positive) on a `"literal" + std::string` temporary here.
    out += fmt::format("cost {}{}{} ({} micros, {})\n", units_of_micros(r.cost_micros), r.currency.empty() ? "" : " ",
                       one_line(r.currency), r.cost_micros, plural(r.segment_count, "segment"));
    out += fmt::format("route {}: {}\n", or_dash(one_line(r.route.carrier)), or_dash(one_line(r.route.reason)));
    if (r.attempts.empty()) out += "attempts none\n";
    for (std::size_t i = 0; i < r.attempts.size(); ++i) {
        const auto& a = r.attempts[i];
        out += fmt::format("attempt #{} {} bind={} at={} {} command_status={} carrier_message_id={}\n", i + 1,
                           or_dash(one_line(a.carrier)), or_dash(one_line(a.bind)), utc_millis(a.at),
                           store::name(a.status), attempt_status_text(a),
                           or_dash(one_line(a.carrier_message_id)));
    }
    // registered_delivery's low two bits: 0 = no receipt asked for.
    out += fmt::format("receipt requested={} error_code={} (0x{:08X}) synthetic={}\n",
                       (r.registered_delivery & 0x03) != 0 ? "yes" : "no", r.error_code, r.error_code,
                       r.synthetic_receipt ? "yes (our receipt timeout, not the carrier)" : "no");
    out += "accepted " + utc_millis(r.accepted_at) + "\n";
    out += "updated " + utc_millis(r.updated_at) + "\n";
    // retry_at is both the upstream's schedule_delivery_time (the hold a
    // restart resumes) and the next retry after a transient failure.
    out += "retry_at " + utc_millis(r.retry_at) + (r.retry_at == store::Timestamp{} ? " (none)\n" : "\n");
    out += "validity " + utc_millis(r.expires_at) +
           (r.expires_at == store::Timestamp{} ? " (the carrier's default)\n" : "\n");
    out += "final " + utc_millis(r.final_at) + "\n";
    out += fmt::format("revision {}\n", r.revision);
    out += r.duplicate_risk ? "duplicate_risk yes (sent again while a carrier may have it: after a receipt timeout, "
                              "or in doubt under in_doubt: resend; the handset may get it twice)\n"
                            : "duplicate_risk no\n";
    return out;
}

}  // namespace smpp::admin
