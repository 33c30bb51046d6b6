#pragma once
// Choosing the carrier for one message: the destination's longest matching
// prefix gives candidates; filters drop those that may not or cannot carry
// it (traffic class, sender type, data_coding, account profile, time window,
// carrier capability), the health hook drops carriers whose circuit is open
// for the destination's country, and the traffic class's policy orders the
// rest. Every skipped candidate comes back with its reason, so a decision
// can be stored and explained (`smppctl route explain`).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "routing/compiled_table.hpp"
#include "routing/route_table.hpp"

namespace smpp::routing {

// The health verdict per carrier x country (routing/health/ plugs in here).
class HealthView {
public:
    virtual ~HealthView() = default;
    // True: the circuit is open, send nothing there now.
    virtual bool open(std::string_view carrier, std::string_view country) const = 0;
};

// Until health lands: every circuit is closed.
class NoHealth final : public HealthView {
public:
    bool open(std::string_view, std::string_view) const override { return false; }
};

// What a carrier's SMSC accepts; a carrier missing from the map accepts all.
struct CarrierCapabilities {
    bool message_payload = true;
    std::uint8_t max_parts = 255;
};

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using CapabilityMap = std::unordered_map<std::string, CarrierCapabilities, StringHash, std::equal_to<>>;

enum class Policy : std::uint8_t {
    priority,  // lowest priority first: deterministic failover (OTP)
    lcr,       // cheapest first, priority breaks cost ties
    weighted,  // every eligible candidate shares by weight, priority order after
};
std::string_view name(Policy p) noexcept;

struct SelectorSettings {
    // Indexed by TrafficClass.
    Policy policy[3] = {Policy::priority, Policy::priority, Policy::lcr};
    CapabilityMap capabilities;
};

// TON 5 or any non-digit: alphanumeric; up to 8 digits: short code; else long code.
SenderType classify_sender(std::string_view source_addr, std::uint8_t source_addr_ton) noexcept;

struct SelectRequest {
    std::string_view destination;  // E.164 digits (normalise_e164)
    TrafficClass traffic_class = TrafficClass::transactional;
    std::string_view source_addr;
    std::uint8_t source_addr_ton = 0;
    std::uint8_t data_coding = 0;
    std::string_view profile;   // the account's routing profile, "" for none
    std::uint8_t segments = 1;  // parts of a concatenated message (all go the same way)
    bool message_payload = false;
    std::chrono::system_clock::time_point now;  // wall clock, for time-of-day windows (injectable for tests)
};

struct Skipped {
    std::string carrier;
    std::string reason;
};

struct Decision {
    std::string route_id;  // "<prefix>@<generation>", "default@<generation>" for the empty prefix
    std::string prefix;
    std::string country;
    std::uint64_t generation = 0;
    TrafficClass traffic_class = TrafficClass::transactional;
    Policy policy = Policy::priority;
    std::vector<std::string> carriers;  // [0] is the choice, the rest the failover order
    std::vector<Skipped> skipped;
    std::string error;  // why carriers is empty

    bool routed() const noexcept { return !carriers.empty(); }
};

// Thread-safe: the only state is the weighted round-robin counter.
// `health` must outlive the selector.
class Selector {
public:
    Selector(SelectorSettings settings, const HealthView& health) : settings_(std::move(settings)), health_(health) {}
    Selector(Selector&& o) noexcept
        : settings_(std::move(o.settings_)), health_(o.health_), counter_(o.counter_.load(std::memory_order_relaxed)) {}

    Decision select(const TableView& table, const SelectRequest& request) const;
    // Deterministic form: `counter` drives the weighted round-robin among ties.
    Decision select(const TableView& table, const SelectRequest& request, std::uint64_t counter) const;

private:
    SelectorSettings settings_;
    const HealthView& health_;
    mutable std::atomic<std::uint64_t> counter_{0};
};

// Human text for `smppctl route explain`.
std::string explain(const Decision& d);

}  // namespace smpp::routing
