#include "tools/smpp-connector/route_command.hpp"

#include <charconv>
#include <chrono>
#include <optional>

#include "routing/route_table.hpp"

namespace smpp::admin {

namespace {

constexpr std::string_view usage =
    "error usage: route lookup|explain <number> [class=otp|transactional|bulk] [source=S] [ton=N] [coding=N] "
    "[segments=N] [payload=0|1] [profile=P]\n";

std::optional<unsigned> number_of(std::string_view text, unsigned low, unsigned high) {
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v < low || v > high) return std::nullopt;
    return v;
}

}  // namespace

std::string route_command(const RouteSelect& select, const std::vector<std::string_view>& words) {
    if (words.size() < 3 || (words[1] != "lookup" && words[1] != "explain")) return std::string(usage);
    if (!select) return "error no route table (no carriers configured)\n";
    const auto digits = routing::normalise_e164(words[2]);
    if (!digits) return "error '" + std::string(words[2]) + "' is not a phone number (digits, optional + or 00)\n";
    routing::SelectRequest r;
    r.destination = *digits;
    r.traffic_class = routing::TrafficClass::transactional;
    r.source_addr = "SENDER";
    r.source_addr_ton = 5;
    std::string source, profile;
    for (std::size_t i = 3; i < words.size(); ++i) {
        const auto eq = words[i].find('=');
        if (eq == std::string_view::npos) return std::string(usage);
        const auto key = words[i].substr(0, eq);
        const auto value = words[i].substr(eq + 1);
        auto bad = [&] { return "error route: bad " + std::string(key) + " '" + std::string(value) + "'\n"; };
        if (key == "class") {
            auto c = routing::parse_traffic_class(value);
            if (!c) return bad();
            r.traffic_class = *c;
        } else if (key == "source") {
            source = std::string(value);
        } else if (key == "profile") {
            profile = std::string(value);
        } else if (key == "ton" || key == "coding" || key == "segments" || key == "payload") {
            const unsigned low = key == "segments" ? 1 : 0;
            const unsigned high = key == "payload" ? 1 : 255;
            auto v = number_of(value, low, high);
            if (!v) return bad();
            if (key == "ton") r.source_addr_ton = static_cast<std::uint8_t>(*v);
            else if (key == "coding") r.data_coding = static_cast<std::uint8_t>(*v);
            else if (key == "segments") r.segments = static_cast<std::uint8_t>(*v);
            else r.message_payload = *v == 1;
        } else {
            return std::string(usage);
        }
    }
    if (!source.empty()) r.source_addr = source;
    r.profile = profile;
    r.now = std::chrono::system_clock::now();
    // A question, not a message: it takes no turn of the round-robin.
    r.shares = false;
    const auto d = select(r);
    std::string out = d.routed() ? "ok routed\n" : "ok unrouted\n";
    if (words[1] == "explain") {
        out += routing::explain(d);
    } else if (d.routed()) {
        for (std::size_t i = 0; i < d.carriers.size(); ++i) out += (i ? " " : "") + d.carriers[i];
    } else {
        out += "no route: " + d.error;
    }
    if (out.back() != '\n') out += '\n';
    return out;
}

}  // namespace smpp::admin
