// yaml-cpp 0.7's Node::operator[] trips GCC 12's -Wdangling-pointer on a
// temporary it only compares against (a known false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif

#include "conf/health_config.hpp"

#include <string>

namespace smpp::conf {

namespace {

using routing::health::CircuitSettings;

constexpr std::int64_t max_ms = 86'400'000;

#define SMPP_CIRCUIT_KEYS                                                                                        \
    "max_error_rate", "min_submits", "max_consecutive_errors", "min_delivery_rate", "min_receipts",               \
        "min_receipt_ratio", "error_spike_factor", "error_spike_floor", "min_baseline_submits",                   \
        "receipt_latency_factor", "receipt_latency_floor_ms", "min_baseline_receipts", "cool_down_ms",            \
        "max_cool_down_ms", "probe_permille", "probe_successes", "ramp_permille", "ramp_hold_ms", "ramp_min_submits"

std::uint32_t count(const YamlReader& r, const YAML::Node& v, const std::string& path, std::int64_t min) {
    return static_cast<std::uint32_t>(r.integer(v, path, min, 10'000'000));
}

std::chrono::milliseconds ms(const YamlReader& r, const YAML::Node& v, const std::string& path, std::int64_t min) {
    return std::chrono::milliseconds(r.integer(v, path, min, max_ms));
}

// The circuit keys present in `node` into `s` (other keys are the caller's).
void read_circuit(const YamlReader& r, const YAML::Node& node, const std::string& path, CircuitSettings& s) {
    auto at = [&](const char* key) { return YamlReader::child(path, key); };
    if (auto v = node["max_error_rate"]; v.IsDefined()) s.max_error_rate = r.number(v, at("max_error_rate"), 0, 1);
    if (auto v = node["min_submits"]; v.IsDefined()) s.min_submits = count(r, v, at("min_submits"), 1);
    if (auto v = node["max_consecutive_errors"]; v.IsDefined())
        s.max_consecutive_errors = count(r, v, at("max_consecutive_errors"), 0);
    if (auto v = node["min_delivery_rate"]; v.IsDefined())
        s.min_delivery_rate = r.number(v, at("min_delivery_rate"), 0, 1);
    if (auto v = node["min_receipts"]; v.IsDefined()) s.min_receipts = count(r, v, at("min_receipts"), 1);
    if (auto v = node["min_receipt_ratio"]; v.IsDefined())
        s.min_receipt_ratio = r.number(v, at("min_receipt_ratio"), 0, 1);
    if (auto v = node["error_spike_factor"]; v.IsDefined())
        s.error_spike_factor = r.number(v, at("error_spike_factor"), 1, 1000);
    if (auto v = node["error_spike_floor"]; v.IsDefined())
        s.error_spike_floor = r.number(v, at("error_spike_floor"), 0, 1);
    if (auto v = node["min_baseline_submits"]; v.IsDefined())
        s.min_baseline_submits = count(r, v, at("min_baseline_submits"), 1);
    if (auto v = node["receipt_latency_factor"]; v.IsDefined())
        s.receipt_latency_factor = r.number(v, at("receipt_latency_factor"), 1, 1000);
    if (auto v = node["receipt_latency_floor_ms"]; v.IsDefined())
        s.receipt_latency_floor = ms(r, v, at("receipt_latency_floor_ms"), 0);
    if (auto v = node["min_baseline_receipts"]; v.IsDefined())
        s.min_baseline_receipts = count(r, v, at("min_baseline_receipts"), 1);
    if (auto v = node["cool_down_ms"]; v.IsDefined()) s.cool_down = ms(r, v, at("cool_down_ms"), 1);
    if (auto v = node["max_cool_down_ms"]; v.IsDefined()) s.max_cool_down = ms(r, v, at("max_cool_down_ms"), 1);
    if (auto v = node["probe_permille"]; v.IsDefined())
        s.probe_permille = static_cast<std::uint16_t>(r.integer(v, at("probe_permille"), 1, 1000));
    if (auto v = node["probe_successes"]; v.IsDefined()) s.probe_successes = count(r, v, at("probe_successes"), 1);
    if (auto v = node["ramp_permille"]; v.IsDefined()) {
        if (!v.IsSequence()) r.fail(v, at("ramp_permille"), "must be a list of per mille steps, e.g. [100, 500]");
        s.ramp_permille.clear();
        for (std::size_t i = 0; i < v.size(); ++i) {
            const auto p = YamlReader::index(at("ramp_permille"), i);
            const auto step = static_cast<std::uint16_t>(r.integer(v[i], p, 1, 999));
            if (!s.ramp_permille.empty() && step <= s.ramp_permille.back())
                r.fail(v[i], p, "steps must increase (each share larger than the one before)");
            s.ramp_permille.push_back(step);
        }
    }
    if (auto v = node["ramp_hold_ms"]; v.IsDefined()) s.ramp_hold = ms(r, v, at("ramp_hold_ms"), 1);
    if (auto v = node["ramp_min_submits"]; v.IsDefined()) s.ramp_min_submits = count(r, v, at("ramp_min_submits"), 1);
}

}  // namespace

void read_health(const YamlReader& r, const YAML::Node& node, routing::health::HealthSettings& out) {
    const std::string path = "health";
    r.expect_mapping(node, path, {SMPP_CIRCUIT_KEYS, "otp", "transactional", "bulk"});
    constexpr const char* class_keys[] = {"otp", "transactional", "bulk"};  // TrafficClass order
    for (auto& s : out.classes) read_circuit(r, node, path, s);
    for (std::size_t c = 0; c < out.classes.size(); ++c) {
        const YAML::Node section = node[class_keys[c]];
        if (!section.IsDefined()) continue;
        const auto p = YamlReader::child(path, class_keys[c]);
        r.expect_mapping(section, p, {SMPP_CIRCUIT_KEYS});
        read_circuit(r, section, p, out.classes[c]);
    }
    for (std::size_t c = 0; c < out.classes.size(); ++c) {
        const auto& s = out.classes[c];
        if (s.max_cool_down < s.cool_down) {
            const YAML::Node section = node[class_keys[c]];
            r.fail(section.IsDefined() ? section : node, path,
                   std::string("max_cool_down_ms must be at least cool_down_ms (") + class_keys[c] + ")");
        }
    }
}

#undef SMPP_CIRCUIT_KEYS

}  // namespace smpp::conf
