#pragma once
// One simulated carrier SMSC: a Listener on its own port that checks binds
// against its credentials, answers submit_sm with its own message IDs,
// sends delivery receipts after a delay, injects the faults of its
// FaultPlan, and records what it received.
//
// Thread-safety: the public methods may be called from any thread. The
// carrier's shared state (fault plan, counters, log, queues) sits behind
// one mutex held only for bookkeeping; PDUs are sent after it is released.
// Delayed responses and receipts wait in two due-time queues served by one
// timer, not a timer per message.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "smpp/protocol/pdu.hpp"
#include "smpp/session/session_settings.hpp"
#include "smpp/session/tls_context.hpp"
#include "tools/smpp-sim/fault_plan.hpp"
#include "tools/smpp-sim/message_id_format.hpp"
#include "tools/smpp-sim/submit_log.hpp"

namespace smpp::sim {

enum class receipt_mode { text, tlv, both };
enum class receipt_route {
    same,   // the bind the submit_sm came on (or, for a transmitter, a receiver)
    other,  // a receiver-capable bind other than the submitting one
};

// Weights of the final states receipts report; normalised when drawn.
using StatusMix = std::vector<std::pair<protocol::message_state, double>>;

struct CarrierSettings {
    std::string name;
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // 0 picks a free port: see SimCarrier::port()
    std::string system_id;   // what binds must present
    std::string password;
    MessageIdFormat message_id;          // in submit_sm_resp
    MessageIdFormat receipt_message_id;  // in receipts (text id: and receipted_message_id)
    std::uint64_t first_message_id = 1;  // the counter the IDs derive from
    receipt_mode receipts = receipt_mode::both;
    std::chrono::milliseconds receipt_delay{1'000};
    receipt_route receipt_on = receipt_route::same;
    StatusMix final_status{{protocol::message_state::delivered, 1.0}};
    FaultPlan faults;
    std::size_t record_limit = 100'000;
    std::uint64_t seed = 1;
    session::SessionSettings session;  // session.system_id is sent in bind_*_resp
    // TLS on this carrier's port: every connection handshakes before it may bind.
    std::optional<session::TlsServerSettings> tls;

    std::string validate() const;
};

struct CarrierStats {
    std::uint64_t binds = 0;          // bound now
    std::uint64_t binds_total = 0;    // successful binds since start
    std::uint64_t binds_refused = 0;  // wrong credentials or refuse_binds
    std::uint64_t submits = 0;        // submit_sm received
    std::uint64_t no_response = 0;    // left unanswered on purpose
    std::uint64_t disconnects = 0;    // by disconnect_after
    std::map<std::uint32_t, std::uint64_t> resps;  // submit_sm_resp sent, by command_status
    std::uint64_t receipts_sent = 0;
    std::uint64_t receipts_dropped = 0;
    std::uint64_t receipts_duplicated = 0;
    std::uint64_t receipts_pending = 0;  // scheduled, not yet sent
    std::uint64_t receipts_failed = 0;   // deliver_sm without a good deliver_sm_resp
    std::uint64_t mo_sent = 0;
};

// One JSON object on one line.
std::string to_json(const CarrierStats& s, std::string_view carrier_name);

class SimCarrier : public std::enable_shared_from_this<SimCarrier> {
public:
    // Validates the settings (std::invalid_argument) and listens at once
    // (boost::system::system_error if the port is taken).
    static std::shared_ptr<SimCarrier> create(boost::asio::any_io_executor ex, CarrierSettings settings);
    ~SimCarrier();

    void start();
    // Stops accepting, unbinds every session, drops what is still queued.
    void stop(std::function<void()> done = {});

    const std::string& name() const noexcept;
    std::uint16_t port() const;

    FaultPlan faults() const;
    void set_faults(const FaultPlan& plan);
    // The control port's "fault" words; empty on success, else why.
    std::string apply_fault(std::span<const std::string_view> words);
    void clear_faults();

    CarrierStats stats() const;
    // The last n submit_sm received, oldest first.
    std::vector<SubmitRecord> received(std::size_t n) const;

    // A mobile-originated deliver_sm (esm_class 0) to a receiver-capable
    // bind; false when none is bound.
    bool send_mo(const protocol::Address& from, const protocol::Address& to, std::string text,
                 std::uint8_t data_coding = 0);

    struct Impl;  // opaque; public only so the per-session handler can name it

private:
    explicit SimCarrier(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

}  // namespace smpp::sim
