#pragma once
// The forward path's routing: routing/'s Selector over either a table
// compiled in process (tests, and a connector whose routes are inline in
// its config) or the shared-memory table the connector publishes (then a
// reload, also by another process, is seen at the next select()).
//
// routing::ShmReader is one per thread; the connector's io threads share
// this object, so select() takes one lock: uncontended with one io thread,
// and far cheaper than the lookup it guards.
#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "routing/health/health_monitor.hpp"
#include "routing/router.hpp"
#include "smpp/carrier/carrier_settings.hpp"
#include "smpp/relay/route.hpp"

namespace smpp::relay {

class MessageRouter {
public:
    // `health` (routing/health/health_monitor.hpp; null: every circuit
    // closed) must outlive the router; each traffic class asks it for its
    // own circuits.
    static routing::Result<std::shared_ptr<MessageRouter>> from_table(
        const routing::RouteTable& table, routing::SelectorSettings settings = {},
        std::shared_ptr<const routing::health::HealthMonitor> health = nullptr);
    static routing::Result<std::shared_ptr<MessageRouter>> from_shm(
        const std::string& ns, routing::SelectorSettings settings = {},
        std::shared_ptr<const routing::health::HealthMonitor> health = nullptr);
    // The connector's inline `routes:` (prefix -> carriers in the order to
    // try them) as a route table: priority follows the order.
    static routing::RouteTable table_of(const std::vector<Route>& routes);
    // Shorthand for tests and inline routes; the table was checked by conf/.
    static std::shared_ptr<MessageRouter> of(const std::vector<Route>& routes);

    routing::Decision select(const routing::SelectRequest& request);
    // The country label of the route covering `digits` ("" when none).
    std::string country_of(std::string_view digits);
    // The generation select() last used.
    std::uint64_t generation();

private:
    MessageRouter(const routing::SelectorSettings& settings,
                  std::shared_ptr<const routing::health::HealthMonitor> health);
    const routing::HealthView& view_of(routing::TrafficClass c) const;

    routing::NoHealth no_health_;
    std::shared_ptr<const routing::health::HealthMonitor> health_;
    std::mutex mutex_;
    std::optional<routing::CompiledTable> compiled_;
    routing::TableView view_;
    std::optional<routing::ShmReader> reader_;
    // One per traffic class: each sees its class's circuits.
    std::array<std::optional<routing::Selector>, 3> selectors_;
};

// What each carrier's SMSC takes (its accepts_message_payload and
// max_message_parts), for the selector to pass over the ones that would
// refuse or mangle a message.
routing::CapabilityMap capabilities_of(const std::vector<carrier::CarrierSettings>& carriers);

// "route 4479@3 (priority): carrier-a; skipped carrier-b (sender type), ..."
std::string route_reason(const routing::Decision& d);

}  // namespace smpp::relay
