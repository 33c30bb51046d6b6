#include "smpp/carrier/bind_pool.hpp"

#include <algorithm>

namespace smpp::carrier {

std::string_view name(bind_state s) noexcept {
    switch (s) {
        case bind_state::connecting: return "connecting";
        case bind_state::bound: return "bound";
        case bind_state::draining: return "draining";
        case bind_state::backoff: return "backoff";
        case bind_state::disabled: return "disabled";
    }
    return "?";
}

std::uint32_t BindPool::room(const Bind& b) const noexcept {
    const auto used = b.in_flight + static_cast<std::uint32_t>(b.timed_out.size());
    if (!b.session || used >= window_) return 0;
    return std::min(window_ - used, b.session->window_room());
}

BindPool::Bind* BindPool::pick() noexcept {
    Bind* best = nullptr;
    std::uint32_t best_room = 0;
    for (auto& b : binds_) {
        if (b.state != bind_state::bound || !b.can_submit() || b.write_blocked) continue;
        // Closed or unbinding on its own strand, and we have not heard yet: a
        // submit handed to it now would never be written, yet complete as
        // session_closed (in doubt). Wait for on_closed instead.
        if (!b.session || !session::is_bound(b.session->state())) continue;
        const auto r = room(b);
        if (r > best_room) {
            best = &b;
            best_room = r;
        }
    }
    return best;
}

std::uint32_t BindPool::in_flight() const noexcept {
    std::uint32_t n = 0;
    for (const auto& b : binds_) n += b.in_flight;
    return n;
}

bool BindPool::any_bound() const noexcept {
    return std::any_of(binds_.begin(), binds_.end(), [](const Bind& b) { return b.session != nullptr; });
}

std::vector<BindSnapshot> BindPool::snapshot() const {
    std::vector<BindSnapshot> out;
    out.reserve(binds_.size());
    for (std::size_t i = 0; i < binds_.size(); ++i) {
        const auto& b = binds_[i];
        BindSnapshot s;
        s.index = i;
        s.type = b.type;
        s.state = b.state;
        s.since = b.since;
        s.in_flight = b.in_flight;
        s.window = window_;
        s.counters = b.counters;
        if (b.client) {
            s.consecutive_failures = b.client->consecutive_failures();
            s.endpoint = b.client->endpoint();
            s.last_error = b.client->last_error();
            if (b.state == bind_state::connecting && b.client->holding_off()) s.state = bind_state::backoff;
        }
        out.push_back(s);
    }
    return out;
}

}  // namespace smpp::carrier
