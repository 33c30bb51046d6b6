#include "smpp/relay/carrier_health.hpp"

#include <algorithm>
#include <optional>

#include "routing/route_table.hpp"

namespace smpp::relay {

void report_receipt(routing::health::HealthMonitor& monitor, MessageRouter& router, const store::ReceiptMatch& m,
                    store::Timestamp now) {
    using routing::health::ReceiptState;
    std::optional<ReceiptState> state;
    switch (m.reported) {
        case store::MessageStatus::delivered: state = ReceiptState::delivered; break;
        case store::MessageStatus::undeliverable: state = ReceiptState::undeliverable; break;
        case store::MessageStatus::expired: state = ReceiptState::expired; break;
        case store::MessageStatus::rejected: state = ReceiptState::rejected; break;
        default: return;  // an intermediate notification
    }
    const auto digits = routing::normalise_e164(m.destination);
    const auto country = digits ? router.country_of(*digits) : std::string();
    const auto latency = std::max(std::chrono::nanoseconds(0), std::chrono::nanoseconds(now - m.sent_at));
    monitor.on_receipt(m.carrier, country, *state, latency);
}

std::shared_ptr<BindWatch> BindWatch::create(boost::asio::any_io_executor ex, Carriers carriers,
                                             std::shared_ptr<routing::health::HealthMonitor> monitor,
                                             std::chrono::milliseconds period) {
    return std::shared_ptr<BindWatch>(new BindWatch(std::move(ex), std::move(carriers), std::move(monitor), period));
}

void BindWatch::start(std::chrono::milliseconds grace) { arm(grace); }

void BindWatch::stop() { timer_.cancel(); }

void BindWatch::arm(std::chrono::milliseconds after) {
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec) return;
        self->check();
        self->arm(self->period_);
    });
}

void BindWatch::check() {
    for (const auto& [id, c] : carriers_) {
        const auto snap = c->snapshot();
        if (snap.state != carrier::carrier_state::running) continue;
        // Up means it can take a submit: a bound receiver alone brings
        // receipts, not a way out for messages.
        const bool up = std::any_of(snap.binds.begin(), snap.binds.end(), [](const carrier::BindSnapshot& b) {
            return b.state == carrier::bind_state::bound && b.type != session::bind_type::receiver;
        });
        if (up) monitor_->carrier_up(id);
        else monitor_->carrier_down(id);
    }
}

}  // namespace smpp::relay
