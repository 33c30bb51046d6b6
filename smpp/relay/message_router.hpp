#pragma once
// The forward path's routing: routing/'s Selector over either a table
// compiled in process (tests, and a connector whose routes are inline in
// its config) or the shared-memory table the connector publishes (then a
// reload, also by another process, is seen at the next select()).
//
// routing::ShmReader is one per thread; the connector's io threads share
// this object, so select() takes one lock: uncontended with one io thread,
// and far cheaper than the lookup it guards.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "routing/router.hpp"
#include "smpp/relay/prefix_router.hpp"

namespace smpp::relay {

class MessageRouter {
public:
    static routing::Result<std::shared_ptr<MessageRouter>> from_table(const routing::RouteTable& table,
                                                                      routing::SelectorSettings settings = {});
    static routing::Result<std::shared_ptr<MessageRouter>> from_shm(const std::string& ns,
                                                                    routing::SelectorSettings settings = {});
    // The connector's inline `routes:` (prefix -> carriers in the order to
    // try them) as a route table: priority follows the order.
    static routing::RouteTable table_of(const std::vector<Route>& routes);
    // Shorthand for tests and inline routes; the table was checked by conf/.
    static std::shared_ptr<MessageRouter> of(const std::vector<Route>& routes);

    routing::Decision select(const routing::SelectRequest& request);
    // The generation select() last used.
    std::uint64_t generation();

private:
    explicit MessageRouter(routing::SelectorSettings settings) : selector_(std::move(settings), health_) {}

    routing::NoHealth health_;  // until routing/health lands
    std::mutex mutex_;
    std::optional<routing::CompiledTable> compiled_;
    routing::TableView view_;
    std::optional<routing::ShmReader> reader_;
    routing::Selector selector_;
};

// "route 4479@3 (priority): carrier-a; skipped carrier-b (sender type), ..."
std::string route_reason(const routing::Decision& d);

}  // namespace smpp::relay
