#include "smpp/relay/message_router.hpp"

#include <algorithm>

namespace smpp::relay {

MessageRouter::MessageRouter(const routing::SelectorSettings& settings,
                             std::shared_ptr<const routing::health::HealthMonitor> health)
    : health_(std::move(health)) {
    for (std::size_t c = 0; c < selectors_.size(); ++c)
        selectors_[c].emplace(settings, view_of(static_cast<routing::TrafficClass>(c)));
}

const routing::HealthView& MessageRouter::view_of(routing::TrafficClass c) const {
    if (!health_) return no_health_;
    return health_->view(c);
}

routing::Result<std::shared_ptr<MessageRouter>> MessageRouter::from_table(
    const routing::RouteTable& table, routing::SelectorSettings settings,
    std::shared_ptr<const routing::health::HealthMonitor> health) {
    auto compiled = routing::CompiledTable::compile(table, 1);
    if (!compiled) return compiled.error();
    std::shared_ptr<MessageRouter> r(new MessageRouter(settings, std::move(health)));
    r->compiled_.emplace(std::move(compiled).value());
    r->view_ = r->compiled_->view();
    return r;
}

routing::Result<std::shared_ptr<MessageRouter>> MessageRouter::from_shm(
    const std::string& ns, routing::SelectorSettings settings,
    std::shared_ptr<const routing::health::HealthMonitor> health) {
    // The refresher maps and pre-faults a reloaded table on its own thread,
    // so no submit's lookup pays for mapping a million prefixes.
    auto refresher = routing::TableRefresher::open(ns);
    if (!refresher) return refresher.error();
    auto reader = routing::ShmReader::open(std::move(refresher).value());
    if (!reader) return reader.error();
    std::shared_ptr<MessageRouter> r(new MessageRouter(settings, std::move(health)));
    r->reader_.emplace(std::move(reader).value());
    return r;
}

routing::RouteTable MessageRouter::table_of(const std::vector<Route>& routes) {
    routing::RouteTable t;
    for (const auto& route : routes) {
        routing::RouteEntry e;
        e.prefix = route.prefix;
        std::uint32_t priority = 1;
        for (const auto& c : route.carriers) {
            routing::Candidate candidate;
            candidate.carrier = c;
            candidate.priority = priority++;
            e.candidates.push_back(std::move(candidate));
        }
        t.entries.push_back(std::move(e));
    }
    return t;
}

std::shared_ptr<MessageRouter> MessageRouter::of(const std::vector<Route>& routes) {
    auto r = from_table(table_of(routes));
    if (!r) throw std::invalid_argument(r.error().message);
    return std::move(r).value();
}

routing::Decision MessageRouter::select(const routing::SelectRequest& request) {
    std::lock_guard lock(mutex_);
    const routing::TableView& table = reader_ ? reader_->current() : view_;
    return selectors_[static_cast<std::size_t>(request.traffic_class)]->select(table, request);
}

std::string MessageRouter::country_of(std::string_view digits) {
    std::lock_guard lock(mutex_);
    const routing::TableView& table = reader_ ? reader_->current() : view_;
    if (!table.valid()) return {};
    auto m = table.lookup(digits);
    return m ? std::string(m->country) : std::string();
}

std::uint64_t MessageRouter::generation() {
    std::lock_guard lock(mutex_);
    return reader_ ? reader_->generation() : 1;
}

routing::CapabilityMap capabilities_of(const std::vector<carrier::CarrierSettings>& carriers) {
    routing::CapabilityMap out;
    for (const auto& c : carriers)
        out.emplace(c.id, routing::CarrierCapabilities{
                              .message_payload = c.accepts_message_payload,
                              .max_parts = static_cast<std::uint8_t>(std::min<std::uint32_t>(c.max_message_parts, 255))});
    return out;
}

std::string route_reason(const routing::Decision& d) {
    if (!d.routed()) return "no route: " + d.error;
    std::string out = "route " + d.route_id + " (" + std::string(routing::name(d.policy)) + "): " + d.carriers.front();
    for (std::size_t i = 0; i < d.skipped.size(); ++i)
        out += (i ? ", " : "; skipped ") + d.skipped[i].carrier + " (" + d.skipped[i].reason + ")";
    return out;
}

}  // namespace smpp::relay
