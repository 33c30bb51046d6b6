#pragma once
// The simulator's control port: TCP on 127.0.0.1, one text command per
// line, one answer per command starting with "ok" or "error <why>":
//   fault <carrier|*> <fault words>   e.g. fault c1 submit_status 0x58 0.1
//   clear <carrier|*>                 back to a clean fault plan
//   faults <carrier>                  ok <the plan in one line>
//   mo <carrier> <from> <to> <text>   a mobile-originated deliver_sm
//   stats <carrier>                   ok {json counters}
//   received <carrier> [n]            ok <k>, then k JSON lines (oldest first)
//   chaos <carrier> <duration> <fault words>   faults for a while, then back (chaos_schedule.hpp)
//   chaos <carrier> off | chaos list
//   list                              ok name=port ...
//   quit                              ok bye, then the simulator stops
// Lines from clients are capped (64 KiB) so a stray binary client cannot
// grow memory; it gets an error and is disconnected.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "tools/smpp-sim/chaos_schedule.hpp"
#include "tools/smpp-sim/sim_carrier.hpp"

namespace smpp::sim {

using Carriers = std::vector<std::shared_ptr<SimCarrier>>;

struct ControlAnswer {
    std::string text;  // one or more lines, each ending in '\n'
    bool quit = false;
};

// Runs one command line (without its '\n'). Without a schedule, "chaos" is
// refused (it needs a timer to revert).
ControlAnswer execute_control_line(const Carriers& carriers, std::string_view line, ChaosSchedule* chaos = nullptr);

class ControlPort : public std::enable_shared_from_this<ControlPort> {
public:
    // Listens at once (port 0 picks one); `on_quit` runs after "quit" is answered.
    static std::shared_ptr<ControlPort> create(boost::asio::any_io_executor ex,
                                               const boost::asio::ip::tcp::endpoint& at, Carriers carriers,
                                               std::function<void()> on_quit);
    void start();
    void stop();
    boost::asio::ip::tcp::endpoint local_endpoint() const;

    struct Impl;

private:
    explicit ControlPort(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<Impl> impl_;
};

}  // namespace smpp::sim
