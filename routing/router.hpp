#pragma once
// What the forward path holds: the shared-memory table of its namespace and
// the selector. One Router per thread (its ShmReader is per thread).
#include <string>

#include "routing/selector.hpp"
#include "routing/shm_table.hpp"

namespace smpp::routing {

class Router {
public:
    static Result<Router> open(const std::string& ns, SelectorSettings settings, const HealthView& health);
    // Reads the tables `refresher` prepares in the background, so a reload
    // never lands its map + validation on a select() (shm_table.hpp).
    static Result<Router> open(std::shared_ptr<TableRefresher> refresher, SelectorSettings settings,
                               const HealthView& health);

    // The carrier for one message and why; request.destination must be E.164 digits.
    Decision select(const SelectRequest& request) { return selector_.select(reader_.current(), request); }
    std::uint64_t generation() const noexcept { return reader_.generation(); }
    const std::optional<Error>& last_error() const noexcept { return reader_.last_error(); }

private:
    Router(ShmReader reader, SelectorSettings settings, const HealthView& health)
        : reader_(std::move(reader)), selector_(std::move(settings), health) {}
    ShmReader reader_;
    Selector selector_;
};

}  // namespace smpp::routing
