#include "routing/router.hpp"

namespace smpp::routing {

Result<Router> Router::open(const std::string& ns, SelectorSettings settings, const HealthView& health) {
    auto reader = ShmReader::open(ns);
    if (!reader) return reader.error();
    return Router(std::move(reader).value(), std::move(settings), health);
}

Result<Router> Router::open(std::shared_ptr<TableRefresher> refresher, SelectorSettings settings,
                            const HealthView& health) {
    auto reader = ShmReader::open(std::move(refresher));
    if (!reader) return reader.error();
    return Router(std::move(reader).value(), std::move(settings), health);
}

}  // namespace smpp::routing
