#include "smpp/session/connection_limits.hpp"

#include <spdlog/spdlog.h>

namespace smpp::session {

std::shared_ptr<ConnectionLimits> ConnectionLimits::create(std::size_t max_total, std::size_t max_per_address) {
    return std::shared_ptr<ConnectionLimits>(new ConnectionLimits(max_total, max_per_address));
}

std::shared_ptr<void> ConnectionLimits::admit(const boost::asio::ip::address& peer) {
    const PeerGroup group(peer);
    {
        std::lock_guard lock(mutex_);
        auto& mine = per_address_[group];
        const bool over_total = max_total_ != 0 && open_ >= max_total_;
        const bool over_address = max_per_address_ != 0 && mine >= max_per_address_;
        if (!over_total && !over_address) {
            ++open_;
            ++mine;
        } else {
            if (mine == 0) per_address_.erase(group);
            ++refused_;
            const auto now = std::chrono::steady_clock::now();
            if (now >= next_log_) {
                // One line per 10 s of a flood, not one per connection.
                spdlog::warn("smpp listener: connection from {} refused: {} ({} refused since the last such line)",
                             peer.to_string(),
                             over_total ? fmt::format("{} connections open, the most allowed", max_total_)
                                        : fmt::format("{} open from {}, the most allowed", max_per_address_,
                                                      group.to_string()),
                             refused_ - refused_logged_);
                refused_logged_ = refused_;
                next_log_ = now + std::chrono::seconds(10);
            }
            return nullptr;
        }
    }
    // Points at this object (never deleted through it): a non-null token.
    auto self = shared_from_this();
    return std::shared_ptr<void>(self.get(), [self, group](void*) { self->release(group); });
}

void ConnectionLimits::release(const PeerGroup& group) {
    std::lock_guard lock(mutex_);
    if (open_ > 0) --open_;
    auto it = per_address_.find(group);
    if (it == per_address_.end()) return;
    if (--it->second == 0) per_address_.erase(it);
}

std::size_t ConnectionLimits::open() const {
    std::lock_guard lock(mutex_);
    return open_;
}

std::size_t ConnectionLimits::open_from(const boost::asio::ip::address& peer) const {
    std::lock_guard lock(mutex_);
    auto it = per_address_.find(PeerGroup(peer));
    return it == per_address_.end() ? 0 : it->second;
}

std::uint64_t ConnectionLimits::refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
}

}  // namespace smpp::session
