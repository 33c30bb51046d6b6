#include "routing/selector.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace smpp::routing {

namespace {

std::string hhmm(int minute_of_day) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d:%02d", minute_of_day / 60 % 24, minute_of_day % 60);
    return buf;
}

TimeWindow to_window(const TableView& table, const image::Window& w) {
    return TimeWindow{w.from_minute, w.to_minute, w.utc_offset_minutes, std::string(table.string(w.zone))};
}

}  // namespace

std::string_view name(Policy p) noexcept {
    switch (p) {
    case Policy::priority: return "priority";
    case Policy::lcr: return "lcr";
    case Policy::weighted: return "weighted";
    case Policy::quality: return "quality";
    }
    return "?";
}

std::optional<Policy> parse_policy(std::string_view text) noexcept {
    for (Policy p : {Policy::priority, Policy::lcr, Policy::weighted, Policy::quality})
        if (name(p) == text) return p;
    return std::nullopt;
}

SenderType classify_sender(std::string_view addr, std::uint8_t ton) noexcept {
    if (ton == 5) return SenderType::alphanumeric;
    if (!addr.empty() && addr.front() == '+') addr.remove_prefix(1);
    if (addr.empty() || !std::all_of(addr.begin(), addr.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return SenderType::alphanumeric;
    return addr.size() <= 8 ? SenderType::short_code : SenderType::long_code;
}

Decision Selector::select(const TableView& table, const SelectRequest& request) const {
    return select_with(table, request, std::nullopt);
}

Decision Selector::select(const TableView& table, const SelectRequest& request, std::uint64_t counter) const {
    return select_with(table, request, counter);
}

std::uint64_t Selector::next_turn(std::string_view prefix, bool shares) const noexcept {
    auto& turn = turns_[std::hash<std::string_view>{}(prefix) % turn_slots];
    return shares ? turn.fetch_add(1, std::memory_order_relaxed) : turn.load(std::memory_order_relaxed);
}

Decision Selector::select_with(const TableView& table, const SelectRequest& r,
                               std::optional<std::uint64_t> counter) const {
    Decision d;
    d.traffic_class = r.traffic_class;
    d.policy = settings_.policy[static_cast<unsigned>(r.traffic_class)];
    if (!table.valid()) {
        d.error = "no route table is published";
        return d;
    }
    d.generation = table.generation();
    auto match = table.lookup(r.destination);
    if (!match) {
        d.error = "no route covers '" + std::string(r.destination) + "'";
        return d;
    }
    const SenderType sender = classify_sender(r.source_addr, r.source_addr_ton);
    const auto since_epoch = std::chrono::duration_cast<std::chrono::minutes>(r.now.time_since_epoch()).count();
    const int utc_minute = static_cast<int>(((since_epoch % 1440) + 1440) % 1440);

    // When every candidate of the longest prefix is skipped, the next
    // shorter prefix that has a route is tried (a "4479 otp only" entry
    // must not leave bulk to 4479 without the "44" route); the skips of the
    // prefixes passed over say which prefix they were on.
    std::vector<const image::Candidate*> eligible;
    for (;;) {
        d.prefix = std::string(r.destination.substr(0, match->prefix_digits));
        d.country = std::string(match->country);
        d.route_id = (d.prefix.empty() ? std::string("default") : d.prefix) + "@" + std::to_string(d.generation);
        const std::size_t first_skip = d.skipped.size();
        eligible.reserve(match->candidates.size());
        for (const auto& c : match->candidates) {
            std::string_view carrier = table.carrier(c);
            auto skip = [&](std::string reason, SkipKind kind = SkipKind::other) {
                d.skipped.push_back(Skipped{std::string(carrier), std::move(reason), kind, c.cost_micros});
            };
            if (!(c.traffic_classes & bit(r.traffic_class))) {
                skip("traffic class " + std::string(name(r.traffic_class)) + " not allowed");
                continue;
            }
            if (!(c.sender_types & bit(sender))) {
                skip("sender type " + std::string(name(sender)) + " not allowed");
                continue;
            }
            if (auto set = table.coding_set(c); set && !set->contains(r.data_coding)) {
                skip("data_coding " + std::to_string(r.data_coding) + " not supported");
                continue;
            }
            if (c.profile != image::none && table.string(c.profile) != r.profile) {
                skip("reserved for profile '" + std::string(table.string(c.profile)) + "' (account profile '" +
                     std::string(r.profile) + "')");
                continue;
            }
            if (auto w = table.window(c)) {
                TimeWindow window = to_window(table, *w);
                if (!window.contains(utc_minute)) {
                    skip("outside window " + window.to_string() + " at " + hhmm(utc_minute) + " UTC");
                    continue;
                }
            }
            if (auto cap = settings_.capabilities.find(carrier); cap != settings_.capabilities.end()) {
                if (r.message_payload && !cap->second.message_payload) {
                    skip("does not accept message_payload", SkipKind::message_payload);
                    continue;
                }
                if (r.segments > cap->second.max_parts) {
                    skip(std::to_string(r.segments) + " parts exceed its limit of " +
                             std::to_string(cap->second.max_parts),
                         SkipKind::parts);
                    continue;
                }
            }
            if (health_.open(carrier, d.country)) {
                skip("circuit open for " + (d.country.empty() ? std::string("prefix ") + d.prefix : d.country),
                     SkipKind::circuit);
                continue;
            }
            eligible.push_back(&c);
        }
        if (!eligible.empty() || match->prefix_digits == 0) break;
        auto shorter = table.lookup(r.destination.substr(0, match->prefix_digits - 1));
        if (!shorter) break;
        for (std::size_t i = first_skip; i < d.skipped.size(); ++i) d.skipped[i].reason += " (prefix " + d.prefix + ")";
        match = shorter;
    }
    if (eligible.empty()) {
        d.error = "every candidate was skipped";
        return d;
    }

    // Order by the policy; the leading run of equals shares by weight.
    auto by_priority = [](const image::Candidate* a, const image::Candidate* b) { return a->priority < b->priority; };
    auto by_cost = [](const image::Candidate* a, const image::Candidate* b) {
        return a->cost_micros != b->cost_micros ? a->cost_micros < b->cost_micros : a->priority < b->priority;
    };
    std::size_t ties = 1;
    switch (d.policy) {
    case Policy::priority:
        std::stable_sort(eligible.begin(), eligible.end(), by_priority);
        while (ties < eligible.size() && eligible[ties]->priority == eligible[0]->priority) ++ties;
        break;
    case Policy::lcr:
        std::stable_sort(eligible.begin(), eligible.end(), by_cost);
        while (ties < eligible.size() && eligible[ties]->cost_micros == eligible[0]->cost_micros &&
               eligible[ties]->priority == eligible[0]->priority)
            ++ties;
        break;
    case Policy::weighted:
        std::stable_sort(eligible.begin(), eligible.end(), by_priority);
        ties = eligible.size();
        break;
    case Policy::quality:
        ties = order_by_quality(table, r, d, eligible);
        break;
    }
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < ties; ++i) total += eligible[i]->weight;
    if (ties > 1 && total > 0) {
        // The prefix the candidates came from (after any fallback to a
        // shorter one) owns the turn.
        std::uint64_t point = (counter ? *counter : next_turn(d.prefix, r.shares)) % total;
        std::size_t chosen = 0;
        while (point >= eligible[chosen]->weight) point -= eligible[chosen++]->weight;
        // The choice moves to the front; the other ties keep their order behind it.
        std::rotate(eligible.begin(), eligible.begin() + static_cast<std::ptrdiff_t>(chosen),
                    eligible.begin() + static_cast<std::ptrdiff_t>(chosen) + 1);
    }
    d.carriers.reserve(eligible.size());
    d.costs.reserve(eligible.size());
    for (const auto* c : eligible) {
        d.carriers.emplace_back(table.carrier(*c));
        d.costs.push_back(c->cost_micros);
    }
    return d;
}

std::size_t Selector::order_by_quality(const TableView& table, const SelectRequest& r, Decision& d,
                                      std::vector<const image::Candidate*>& eligible) const {
    const QualityView* q = settings_.quality ? settings_.quality : health_.quality();
    struct Scored {
        const image::Candidate* c;
        std::int64_t score;
        QualityEstimate e;
    };
    std::vector<Scored> scored;
    scored.reserve(eligible.size());
    for (const auto* c : eligible) {
        QualityEstimate e = q ? q->estimate(table.carrier(*c), d.country, r.now) : QualityEstimate{};
        const double value = static_cast<double>(settings_.quality_value_micros) * e.success;
        scored.push_back({c, std::llround(value) - static_cast<std::int64_t>(c->cost_micros), e});
    }
    std::stable_sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
        return a.score != b.score ? a.score > b.score : a.c->priority < b.c->priority;
    });
    std::size_t ties = 1;
    while (ties < scored.size() && scored[ties].score == scored[0].score &&
           scored[ties].c->priority == scored[0].c->priority)
        ++ties;
    char buf[256];
    const auto hours = std::chrono::duration_cast<std::chrono::hours>(r.now.time_since_epoch()).count();
    std::snprintf(buf, sizeof buf, "quality at %02dh UTC, score = %lld x success - cost:",
                  static_cast<int>(((hours % 24) + 24) % 24), static_cast<long long>(settings_.quality_value_micros));
    d.reason = buf;
    for (std::size_t i = 0; i < scored.size(); ++i) {
        const Scored& s = scored[i];
        eligible[i] = s.c;
        if (!q)
            std::snprintf(buf, sizeof buf, " %lld (no outcomes known; cost %llu)", static_cast<long long>(s.score),
                          static_cast<unsigned long long>(s.c->cost_micros));
        else if (s.e.day_receipts <= 0)
            std::snprintf(buf, sizeof buf, " %lld (success %.4f: no receipts yet, the prior; cost %llu)",
                          static_cast<long long>(s.score), s.e.success, static_cast<unsigned long long>(s.c->cost_micros));
        else
            std::snprintf(buf, sizeof buf,
                          " %lld (success %.4f: hour %.1f/%.1f delivered, day %.4f of %.1f receipts; cost %llu)",
                          static_cast<long long>(s.score), s.e.success, s.e.hour_delivered, s.e.hour_receipts,
                          s.e.day_success, s.e.day_receipts, static_cast<unsigned long long>(s.c->cost_micros));
        d.reason += (i ? ", " : " ") + std::string(table.carrier(*s.c)) + buf;
    }
    if (ties > 1) d.reason += "; " + std::to_string(ties) + " tie, shared by weight";
    return ties;
}

std::string explain(const Decision& d) {
    std::string out;
    if (d.route_id.empty()) return "no route: " + d.error + "\n";
    out += "route " + d.route_id + ": prefix " + (d.prefix.empty() ? std::string("(default)") : d.prefix);
    if (!d.country.empty()) out += ", country " + d.country;
    out += ", class " + std::string(name(d.traffic_class)) + ", policy " + std::string(name(d.policy)) + "\n";
    if (d.routed()) {
        out += "chosen: " + d.carriers[0] + "\n";
        if (d.carriers.size() > 1) {
            out += "failover:";
            for (std::size_t i = 1; i < d.carriers.size(); ++i) out += " " + d.carriers[i];
            out += "\n";
        }
    } else {
        out += "no carrier: " + d.error + "\n";
    }
    if (!d.reason.empty()) out += "why: " + d.reason + "\n";
    for (const auto& s : d.skipped) out += "skipped " + s.carrier + ": " + s.reason + "\n";
    return out;
}

}  // namespace smpp::routing
