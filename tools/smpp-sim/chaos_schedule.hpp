#pragma once
// Chaos: fault settings on one simulated carrier for a while, then the plan
// it had before comes back by itself. The control port's
//   chaos <carrier> <duration> <fault settings...>   e.g. chaos c1 20s submit_status 0x08 0.5 latency_ms 200
//   chaos <carrier> off                              ends it now
//   chaos list                                       what is running and until when
// A carrier has at most one chaos: a new one replaces it (and still reverts
// to the plan from before the first). `fault`/`clear` while a chaos runs are
// overwritten when it reverts. Reverting needs no client: a timer on the
// simulator's executor does it.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "tools/smpp-sim/fault_plan.hpp"
#include "tools/smpp-sim/sim_carrier.hpp"

namespace smpp::sim {

// "20s", "1500ms", "2m", or plain seconds ("20"); between 1 ms and 24 h.
std::optional<std::chrono::milliseconds> parse_chaos_duration(std::string_view s);

// Applies several settings given one after another ("submit_status 0x08 0.5
// latency_ms 200"): each fault name starts a new one. Empty on success, else
// why (and the plan is unchanged).
std::string apply_faults(FaultPlan& plan, std::span<const std::string_view> words);

// "2024-05-01T12:00:00.250Z"
std::string utc_text(std::chrono::system_clock::time_point t);

class ChaosSchedule : public std::enable_shared_from_this<ChaosSchedule> {
public:
    static std::shared_ptr<ChaosSchedule> create(boost::asio::any_io_executor ex);
    ~ChaosSchedule();

    struct Started {
        std::string plan;     // describe() of the plan during the chaos
        std::string back_to;  // describe() of the plan it reverts to
        std::chrono::milliseconds duration{};
        std::chrono::system_clock::time_point until;
    };
    // Error text when the words do not parse (nothing changes then).
    std::variant<Started, std::string> start(const std::shared_ptr<SimCarrier>& carrier,
                                             std::chrono::milliseconds duration,
                                             std::span<const std::string_view> fault_words);
    // Ends it now; the plan it reverted to, or nullopt if none was running.
    std::optional<std::string> stop(const std::string& carrier);
    // One entry per running chaos: "<carrier> <plan> until <utc>".
    std::vector<std::string> active() const;
    // Reverts everything now (the simulator stops).
    void stop_all();

    struct Impl;

private:
    explicit ChaosSchedule(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<Impl> impl_;
};

}  // namespace smpp::sim
