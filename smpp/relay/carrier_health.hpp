#pragma once
// What the health monitor (routing/health) hears besides submit outcomes,
// which the forward path reports itself: final receipts, for the delivery
// rate and receipt latency of their carrier x the route's country, and
// whether a carrier has any bind up at all.
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "routing/health/health_monitor.hpp"
#include "smpp/carrier/carrier.hpp"
#include "smpp/relay/message_router.hpp"
#include "store/carrier_receipt.hpp"

namespace smpp::relay {

// A matched receipt into the monitor; intermediate ones say nothing about
// delivery and are ignored. Any thread. `now` is when it was received.
void report_receipt(routing::health::HealthMonitor& monitor, MessageRouter& router, const store::ReceiptMatch& m,
                    store::Timestamp now);

// Every `period`, a running carrier with no bound bind is reported down
// (one drained or disabled on purpose is not), one with a bound bind up.
class BindWatch : public std::enable_shared_from_this<BindWatch> {
public:
    using Carriers = std::map<std::string, std::shared_ptr<carrier::Carrier>, std::less<>>;
    static std::shared_ptr<BindWatch> create(boost::asio::any_io_executor ex, Carriers carriers,
                                             std::shared_ptr<routing::health::HealthMonitor> monitor,
                                             std::chrono::milliseconds period = std::chrono::seconds(1));
    // The first look after `grace` (binds need a moment to come up).
    void start(std::chrono::milliseconds grace = std::chrono::seconds(5));
    void stop();
    // One look now.
    void check();

private:
    BindWatch(boost::asio::any_io_executor ex, Carriers carriers,
              std::shared_ptr<routing::health::HealthMonitor> monitor, std::chrono::milliseconds period)
        : timer_(ex), carriers_(std::move(carriers)), monitor_(std::move(monitor)), period_(period) {}
    void arm(std::chrono::milliseconds after);

    boost::asio::steady_timer timer_;
    const Carriers carriers_;
    const std::shared_ptr<routing::health::HealthMonitor> monitor_;
    const std::chrono::milliseconds period_;
};

}  // namespace smpp::relay
