#pragma once
// One actor per carrier: its bind pool, its priority queue, its TPS throttle
// and adaptive rate. All of its state lives on one strand; the public
// methods may be called from any thread (they post onto the strand) and
// every callback runs on that strand, so a callback must not block.
//
// Guarantees: a bind never has more than `window` submits outstanding; the
// carrier never writes more than max_tps submits per second (less after
// throttling answers); a throttled carrier waits on one timer, it does not
// spin; every submit gets exactly one SubmitOutcome.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "smpp/carrier/bind_pool.hpp"
#include "smpp/carrier/carrier_settings.hpp"
#include "smpp/carrier/submit_outcome.hpp"
#include "smpp/carrier/submit_queue.hpp"
#include "smpp/protocol/pdu.hpp"

namespace smpp::carrier {

struct SubmitRequest {
    std::string id;  // ours (the ledger's), for logs
    message_class cls = message_class::bulk;
    protocol::PduBody pdu;  // SubmitSm or DataSm
};

using SubmitCallback = std::function<void(SubmitOutcome)>;

// A deliver_sm (receipt or mobile-originated) from one of the carrier's
// binds; `respond` sends the deliver_sm_resp with that status (call it once,
// from any thread, after the receipt is stored).
using DeliverHandler = std::function<void(protocol::Pdu&& deliver_sm,
                                          std::function<void(protocol::command_status)> respond)>;

// A submit whose outcome was InDoubt for a response_timeout, answered after
// all (while its bind is still up, within the session's
// late_response_window): `id` is its SubmitRequest::id, the outcome what the
// answer says (Sent with the carrier's message_id, or a refusal).
using LateHandler = std::function<void(const std::string& id, SubmitOutcome)>;

enum class carrier_state {
    running,   // takes submits (unless it is a backup)
    draining,  // drain()/disable(): refuses new work, waits for its windows to empty, unbinds
    disabled,  // unbound on purpose; enable() brings the binds back
    stopping,  // stop(): as draining, and never comes back
    stopped,
};
std::string_view name(carrier_state s) noexcept;

// What operations see of one carrier (published on every change; read with
// Carrier::snapshot() from any thread).
struct CarrierSnapshot {
    std::string id;
    carrier_state state = carrier_state::running;
    bool backup = false;
    double rate_tps = 0;  // the adaptive rate now; max_tps when not throttled
    std::uint64_t rate_cuts = 0;
    std::size_t queued = 0;
    std::array<std::size_t, message_classes> queued_by_class{};  // by message_class: otp, transactional, bulk
    std::uint32_t in_flight = 0;
    std::vector<BindSnapshot> binds;
};

class Carrier : public std::enable_shared_from_this<Carrier> {
public:
    // `settings` must validate (conf/ checks it; create() throws
    // std::invalid_argument otherwise: a programming error). A null
    // `on_deliver` answers every deliver_sm with ESME_ROK.
    static std::shared_ptr<Carrier> create(boost::asio::any_io_executor ex, CarrierSettings settings,
                                           DeliverHandler on_deliver = {});
    ~Carrier();
    Carrier(const Carrier&) = delete;
    Carrier& operator=(const Carrier&) = delete;

    // Where late answers go (see LateHandler); without one they are only
    // logged. Either way a late answer frees the window slot its submit
    // kept after the timeout. Any thread; submits sent before it is in
    // place (it is posted to the strand) have their late answers only logged.
    void set_late_handler(LateHandler on_late);

    // Starts every bind.
    void start();

    // Queues a submit; `done` gets its outcome. Refused at once (queue_full,
    // disabled, stopped, invalid_request) when it cannot be taken: nothing was
    // sent, so the caller may route it elsewhere. A response_timeout, or a
    // bind that closes with the submit on the wire, gives InDoubt and is never
    // resent here. ESME_RTHROTTLED / ESME_RMSGQFUL cut the rate and put the
    // message back at its place in its class (up to throttle.max_retries times).
    void submit(SubmitRequest request, SubmitCallback done);

    // Stops taking work: new submits and those still queued are refused
    // (disabled), submits on the wire complete, then every bind unbinds.
    // `done` runs when all binds are closed. Ends disabled.
    void drain(std::function<void()> done);
    // drain() without a callback (an operator's command).
    void disable();
    // Brings the binds of a disabled carrier back up.
    void enable();
    // A backup keeps its binds up and warm and refuses submits (disabled).
    void set_backup(bool backup);
    // As drain(), and the carrier does not come back. `done` runs when every
    // bind is closed; queued submits are refused (stopped).
    void stop(std::function<void()> done = {});

    // Thread-safe: a copy of the last published state.
    CarrierSnapshot snapshot() const;
    // Thread-safe and cheap (one atomic load): false while a submit would be
    // refused at once (disabled, draining, stopped, a backup, or unbound).
    // As of the last event on the strand: a submit may still be refused.
    bool accepting() const noexcept;
    const CarrierSettings& settings() const noexcept;

private:
    Carrier(boost::asio::any_io_executor ex, CarrierSettings settings, DeliverHandler on_deliver);
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace smpp::carrier
