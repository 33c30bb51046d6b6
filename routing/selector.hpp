#pragma once
// Choosing the carrier for one message: the destination's longest matching
// prefix gives candidates; filters drop those that may not or cannot carry
// it (traffic class, sender type, data_coding, account profile, time window,
// carrier capability), the health hook drops carriers whose circuit is open
// for the destination's country, and the traffic class's policy orders the
// rest. Every skipped candidate comes back with its reason, so a decision
// can be stored and explained (`smppctl route explain`).
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "routing/compiled_table.hpp"
#include "routing/route_table.hpp"

namespace smpp::routing {

// What the `quality` policy knows of a carrier x country's deliveries at
// one UTC hour of day (routing/health/delivery_quality.hpp learns it).
struct QualityEstimate {
    double success = 1;  // the smoothed delivery estimate the score uses (hour, shrunk to the day)
    double day_success = 1;
    double hour_receipts = 0;  // decayed receipt counts behind the estimates
    double hour_delivered = 0;
    double day_receipts = 0;
    double day_delivered = 0;
    int hour = 0;  // UTC
};

class QualityView {
public:
    virtual ~QualityView() = default;
    virtual QualityEstimate estimate(std::string_view carrier, std::string_view country,
                                     std::chrono::system_clock::time_point at) const = 0;
};

// The health verdict per carrier x country (routing/health/ plugs in here).
class HealthView {
public:
    virtual ~HealthView() = default;
    // True: the circuit is open, send nothing there now.
    virtual bool open(std::string_view carrier, std::string_view country) const = 0;
    // The delivery outcomes learned beside the circuits, for the `quality`
    // policy; null: none (every candidate then scores value - cost).
    virtual const QualityView* quality() const noexcept { return nullptr; }
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
    quality,   // highest score = value x learned delivery estimate - cost, priority breaks score ties
};
std::string_view name(Policy p) noexcept;
std::optional<Policy> parse_policy(std::string_view text) noexcept;

struct SelectorSettings {
    // Indexed by TrafficClass.
    Policy policy[3] = {Policy::priority, Policy::priority, Policy::lcr};
    CapabilityMap capabilities;
    // `quality`: what one delivered message is worth, in the unit of
    // cost_micros; the score is quality_value_micros x success - cost_micros
    // (the expected net value of sending there), rounded to whole micros so
    // equal scores tie exactly. 100000 (0.10 a message): one point of
    // delivery rate is worth 1000 micros of price.
    std::int64_t quality_value_micros = 100000;
    // Where `quality` reads estimates; null: the HealthView's quality().
    const QualityView* quality = nullptr;
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
    // false: the decision takes no turn of the weighted round-robin (a
    // probe, or a part that follows the carrier its siblings are pinned
    // to). Otherwise a message of N parts turned it N times, and with N a
    // multiple of the tied carriers' count every message's first part
    // (the one that picks) landed on the same carrier.
    bool shares = true;
};

// Why a candidate was passed over, where a caller acts on it: a message no
// candidate can take because of what it is (capabilities) is refused for
// that, not for its destination.
// What kept a carrier off: capabilities decide the upstream's status when
// nothing is left; an open circuit may be overridden for the parts of a
// message its carrier took other parts of (smpp/relay/part_affinity.hpp),
// and when it kept every carrier of the route off (the forward path takes
// the message and waits for them: an outage, not a bad destination).
enum class SkipKind : std::uint8_t { other, message_payload, parts, circuit };

struct Skipped {
    std::string carrier;
    std::string reason;
    SkipKind kind = SkipKind::other;
    std::uint64_t cost_micros = 0;  // the candidate's, as Decision::costs would have it
};

struct Decision {
    std::string route_id;  // "<prefix>@<generation>", "default@<generation>" for the empty prefix
    std::string prefix;
    std::string country;
    std::uint64_t generation = 0;
    TrafficClass traffic_class = TrafficClass::transactional;
    Policy policy = Policy::priority;
    std::vector<std::string> carriers;  // [0] is the choice, the rest the failover order
    // costs[i]: carriers[i]'s cost_micros (per message part), for billing the one that takes it.
    std::vector<std::uint64_t> costs;
    std::vector<Skipped> skipped;
    std::string error;   // why carriers is empty
    std::string reason;  // why this order, when the policy has more to say (quality: the scores)

    bool routed() const noexcept { return !carriers.empty(); }
};

// Thread-safe: the only state is the weighted round-robin counters.
// `health` must outlive the selector.
class Selector {
public:
    Selector(SelectorSettings settings, const HealthView& health) : settings_(std::move(settings)), health_(health) {}
    Selector(Selector&& o) noexcept : settings_(std::move(o.settings_)), health_(o.health_) {
        for (std::size_t i = 0; i < turn_slots; ++i)
            turns_[i].store(o.turns_[i].load(std::memory_order_relaxed), std::memory_order_relaxed);
    }

    Decision select(const TableView& table, const SelectRequest& request) const;
    // Deterministic form: `counter` drives the weighted round-robin among ties.
    Decision select(const TableView& table, const SelectRequest& request, std::uint64_t counter) const;

private:
    // The round-robin turns, one counter per slot of the chosen prefix's
    // hash: with one counter for all prefixes, traffic alternating between
    // two tied routes gave each route every other turn, and so always the
    // same carrier (100/0 instead of 50/50).
    static constexpr std::size_t turn_slots = 1024;
    std::uint64_t next_turn(std::string_view prefix, bool shares) const noexcept;
    Decision select_with(const TableView& table, const SelectRequest& request,
                         std::optional<std::uint64_t> counter) const;

    // Sorts `eligible` by score (best first), writes the scores into
    // d.reason, returns how many lead with an equal score and priority.
    std::size_t order_by_quality(const TableView& table, const SelectRequest& r, Decision& d,
                                 std::vector<const image::Candidate*>& eligible) const;

    SelectorSettings settings_;
    const HealthView& health_;
    mutable std::array<std::atomic<std::uint64_t>, turn_slots> turns_{};
};

// Human text for `smppctl route explain`.
std::string explain(const Decision& d);

}  // namespace smpp::routing
