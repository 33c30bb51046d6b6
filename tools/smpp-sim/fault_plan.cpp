#include "tools/smpp-sim/fault_plan.hpp"

#include <charconv>
#include <cstdio>
#include <optional>

namespace smpp::sim {

namespace {

std::optional<std::uint64_t> parse_uint(std::string_view s) {
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s.remove_prefix(2);
        base = 16;
    }
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<double> parse_fraction(std::string_view s) {
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || !(v >= 0 && v <= 1)) return std::nullopt;
    return v;
}

std::optional<bool> parse_switch(std::string_view s) {
    if (s == "on" || s == "true" || s == "1" || s == "yes") return true;
    if (s == "off" || s == "false" || s == "0" || s == "no") return false;
    return std::nullopt;
}

std::string fraction_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

}  // namespace

std::string apply_fault(FaultPlan& plan, std::span<const std::string_view> words) {
    if (words.empty()) return "missing fault name";
    const auto what = words[0];
    auto args = words.subspan(1);
    auto want = [&](std::size_t n, const char* usage) -> std::string {
        return args.size() == n ? std::string{} : std::string("usage: ") + usage;
    };
    FaultPlan next = plan;
    if (what == "submit_status") {
        if (auto e = want(2, "submit_status <status> <fraction>"); !e.empty()) return e;
        auto status = parse_uint(args[0]);
        if (!status || *status > 0xFFFFFFFFULL) return "status must be a number (0x58 or 88)";
        auto fraction = parse_fraction(args[1]);
        if (!fraction) return "fraction must be a number between 0 and 1";
        next.submit_status = static_cast<protocol::command_status>(*status);
        next.submit_status_fraction = *fraction;
    } else if (what == "latency_ms") {
        if (auto e = want(1, "latency_ms <ms>"); !e.empty()) return e;
        auto ms = parse_uint(args[0]);
        if (!ms || *ms > 600'000) return "latency_ms must be between 0 and 600000";
        next.latency = std::chrono::milliseconds(*ms);
    } else if (what == "no_response") {
        if (auto e = want(1, "no_response <fraction>"); !e.empty()) return e;
        auto fraction = parse_fraction(args[0]);
        if (!fraction) return "fraction must be a number between 0 and 1";
        next.no_response = *fraction;
    } else if (what == "disconnect_after") {
        if (auto e = want(1, "disconnect_after <submits>"); !e.empty()) return e;
        auto n = parse_uint(args[0]);
        if (!n) return "disconnect_after must be a non-negative integer";
        next.disconnect_after = *n;
    } else if (what == "refuse_binds") {
        if (auto e = want(1, "refuse_binds on|off"); !e.empty()) return e;
        auto on = parse_switch(args[0]);
        if (!on) return "refuse_binds must be on or off";
        next.refuse_binds = *on;
    } else if (what == "receipts") {
        if (auto e = want(2, "receipts drop|duplicate <fraction> | receipts reorder|before_resp on|off"); !e.empty())
            return e;
        if (args[0] == "drop" || args[0] == "duplicate") {
            auto fraction = parse_fraction(args[1]);
            if (!fraction) return "fraction must be a number between 0 and 1";
            (args[0] == "drop" ? next.receipts.drop : next.receipts.duplicate) = *fraction;
        } else if (args[0] == "reorder" || args[0] == "before_resp") {
            auto on = parse_switch(args[1]);
            if (!on) return std::string(args[0]) + " must be on or off";
            (args[0] == "reorder" ? next.receipts.reorder : next.receipts.before_resp) = *on;
        } else {
            return "unknown receipts fault '" + std::string(args[0]) + "' (drop, duplicate, reorder, before_resp)";
        }
    } else {
        return "unknown fault '" + std::string(what) +
               "' (submit_status, latency_ms, no_response, disconnect_after, refuse_binds, receipts)";
    }
    plan = next;
    return {};
}

std::string describe(const FaultPlan& p) {
    std::string out;
    auto add = [&](const std::string& s) {
        if (!out.empty()) out += ' ';
        out += s;
    };
    if (p.submit_status_fraction > 0) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(p.submit_status));
        add(std::string("submit_status=") + buf + "@" + fraction_text(p.submit_status_fraction));
    }
    if (p.latency.count() > 0) add("latency_ms=" + std::to_string(p.latency.count()));
    if (p.no_response > 0) add("no_response=" + fraction_text(p.no_response));
    if (p.disconnect_after > 0) add("disconnect_after=" + std::to_string(p.disconnect_after));
    if (p.refuse_binds) add("refuse_binds=on");
    if (p.receipts.drop > 0) add("receipts.drop=" + fraction_text(p.receipts.drop));
    if (p.receipts.duplicate > 0) add("receipts.duplicate=" + fraction_text(p.receipts.duplicate));
    if (p.receipts.reorder) add("receipts.reorder=on");
    if (p.receipts.before_resp) add("receipts.before_resp=on");
    return out.empty() ? "none" : out;
}

}  // namespace smpp::sim
