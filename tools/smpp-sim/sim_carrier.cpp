#include "tools/smpp-sim/sim_carrier.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "smpp/session/listener.hpp"
#include "smpp/session/session.hpp"
#include "smpp/session/session_error.hpp"
#include "tools/smpp-sim/due_queue.hpp"
#include "tools/smpp-sim/receipt_text.hpp"
#include "tools/smpp-sim/sim_random.hpp"

namespace smpp::sim {

namespace asio = boost::asio;
using protocol::command_status;
using protocol::Pdu;
using session::Session;
using clock = std::chrono::steady_clock;

namespace {

// A receipt that found no receiver-capable bind waits this long and tries again
// (an SMSC keeps receipts until the ESME binds).
constexpr auto no_receiver_retry = std::chrono::milliseconds(100);
// A receipt refused by a full window or write queue is retried this soon.
constexpr auto busy_retry = std::chrono::milliseconds(10);
// The timer serves everything due within this slack in one go, so a steady
// stream of receipts wakes it once per millisecond, not once per receipt.
constexpr auto timer_slack = std::chrono::milliseconds(1);

bool same_session(const std::weak_ptr<Session>& a, const std::weak_ptr<Session>& b) {
    return !a.owner_before(b) && !b.owner_before(a);
}

struct PendingReceipt {
    std::weak_ptr<Session> origin;
    std::uint64_t n = 0;
    std::time_t submit_date = 0;
    protocol::Address from;  // the submit_sm's destination
    protocol::Address to;    // the submit_sm's source
    protocol::message_state state = protocol::message_state::delivered;
    std::uint8_t text_len = 0;
    std::array<char, 20> text{};
};

struct PendingResp {
    std::weak_ptr<Session> session;
    Pdu resp;
};

struct BoundSession {
    std::weak_ptr<Session> session;
    bool receives = false;  // receiver or transceiver
};

}  // namespace

std::string CarrierSettings::validate() const {
    if (name.empty()) return "name is required";
    if (name.find_first_of(" \t\r\n") != std::string::npos) return "name must not contain spaces";
    if (system_id.empty()) return "system_id is required";
    if (system_id.size() >= protocol::limits::system_id) return "system_id must be at most 15 characters";
    if (password.size() >= protocol::limits::password) return "password must be at most 8 characters";
    if (auto e = message_id.validate(); !e.empty()) return "message_id: " + e;
    if (auto e = receipt_message_id.validate(); !e.empty()) return "receipt_message_id: " + e;
    if (receipt_delay.count() < 0) return "receipt delay must be >= 0";
    double total = 0;
    for (const auto& [state, weight] : final_status) {
        if (!(weight >= 0)) return "final status weights must be >= 0";
        total += weight;
    }
    if (!(total > 0)) return "final status weights must add up to more than 0";
    if (record_limit == 0) return "record_limit must be >= 1";
    if (auto e = session.validate(); !e.empty()) return "session: " + e;
    return {};
}

std::string to_json(const CarrierStats& s, std::string_view carrier_name) {
    std::string out = "{\"carrier\":\"" + std::string(carrier_name) + "\"";
    auto field = [&](const char* key, std::uint64_t v) {
        out += ",\"";
        out += key;
        out += "\":" + std::to_string(v);
    };
    field("binds", s.binds);
    field("binds_total", s.binds_total);
    field("binds_refused", s.binds_refused);
    field("submits", s.submits);
    field("no_response", s.no_response);
    field("disconnects", s.disconnects);
    out += ",\"resps\":{";
    bool first = true;
    for (const auto& [status, count] : s.resps) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%s\"0x%08x\":", first ? "" : ",", status);
        out += buf + std::to_string(count);
        first = false;
    }
    out += "}";
    field("receipts_sent", s.receipts_sent);
    field("receipts_dropped", s.receipts_dropped);
    field("receipts_duplicated", s.receipts_duplicated);
    field("receipts_pending", s.receipts_pending);
    field("receipts_failed", s.receipts_failed);
    field("mo_sent", s.mo_sent);
    out += "}";
    return out;
}

struct SimCarrier::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::any_io_executor e, CarrierSettings s)
        : ex(std::move(e)), settings(std::move(s)), faults(settings.faults), rng(settings.seed),
          next_id(settings.first_message_id), log(settings.record_limit), timer(ex) {
        for (const auto& [state, weight] : settings.final_status) status_weight += weight;
    }

    asio::any_io_executor ex;
    const CarrierSettings settings;
    std::shared_ptr<session::Listener> listener;
    double status_weight = 0;

    mutable std::mutex mu;  // guards everything below
    FaultPlan faults;
    SimRandom rng;
    std::uint64_t next_id;
    CarrierStats stats;
    SubmitLog log;
    std::vector<BoundSession> bound;
    std::size_t round_robin = 0;
    DueQueue<PendingResp> resps;
    DueQueue<PendingReceipt> receipts;
    asio::steady_timer timer;
    std::optional<clock::time_point> armed;
    bool stopped = false;

    // ---- under mu ----------------------------------------------------------

    protocol::message_state draw_final_state() {
        const auto& mix = settings.final_status;
        double u = rng.uniform() * status_weight;
        for (const auto& [state, weight] : mix) {
            if (u < weight) return state;
            u -= weight;
        }
        return mix.back().first;
    }

    void arm(clock::time_point due) {
        if (stopped || (armed && *armed <= due)) return;
        armed = due;
        timer.expires_at(due);
        timer.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
            if (ec) return;  // re-armed earlier, or stopped
            if (auto self = w.lock()) self->on_timer();
        });
    }

    void schedule_receipt(clock::time_point due, PendingReceipt r) {
        receipts.push(due, std::move(r));
        arm(due);
    }

    // The bind a receipt or MO goes to; null when none can take it now.
    std::shared_ptr<Session> pick_receiver(const std::weak_ptr<Session>& origin, receipt_route route) {
        auto usable = [](const BoundSession& b) -> std::shared_ptr<Session> {
            if (!b.receives) return nullptr;
            auto s = b.session.lock();
            return s && session::is_bound(s->state()) ? s : nullptr;
        };
        if (route == receipt_route::same) {
            for (const auto& b : bound)
                if (same_session(b.session, origin))
                    if (auto s = usable(b)) return s;
        }
        for (std::size_t k = 0; k < bound.size(); ++k) {
            const std::size_t i = (round_robin + k) % bound.size();
            if (route == receipt_route::other && same_session(bound[i].session, origin)) continue;
            if (auto s = usable(bound[i])) {
                round_robin = i + 1;
                return s;
            }
        }
        return nullptr;
    }

    // ---- callbacks -------------------------------------------------------------

    command_status check_bind(const session::BindRequest& req) {
        std::lock_guard lock(mu);
        command_status verdict = command_status::ESME_ROK;
        if (faults.refuse_binds)
            verdict = command_status::ESME_RBINDFAIL;
        else if (req.system_id != settings.system_id)
            verdict = command_status::ESME_RINVSYSID;
        else if (req.password != settings.password)
            verdict = command_status::ESME_RINVPASWD;
        if (verdict != command_status::ESME_ROK) ++stats.binds_refused;
        return verdict;
    }

    void on_bound(Session& s) {
        std::lock_guard lock(mu);
        bound.push_back({s.weak_from_this(), s.state() != session::session_state::bound_tx});
        ++stats.binds_total;
    }

    void on_closed(Session& s) {
        std::lock_guard lock(mu);
        const std::weak_ptr<Session> gone = s.weak_from_this();
        std::erase_if(bound, [&](const BoundSession& b) { return same_session(b.session, gone) || b.session.expired(); });
    }

    void on_submit(Session& s, Pdu&& p, std::uint64_t& session_submits) {
        const auto& sm = *p.as<protocol::SubmitSm>();
        Pdu resp{command_status::ESME_ROK, p.sequence_number, protocol::SubmitSmResp{}};
        std::optional<PendingReceipt> now_receipt[2];
        std::shared_ptr<Session> now_target[2];
        bool answer_now = true;
        bool disconnect = false;
        {
            std::lock_guard lock(mu);
            ++stats.submits;
            disconnect = faults.disconnect_after > 0 && session_submits >= faults.disconnect_after;
            if (disconnect) ++stats.disconnects;
        }
        // Closing runs on_closed inline (we are on the strand), which takes mu.
        if (disconnect) return s.close(session::close_reason::local_close);
        {
            std::lock_guard lock(mu);
            ++session_submits;
            const std::uint64_t n = next_id++;
            SubmitRecord& rec = log.next_slot();
            rec.sequence_number = p.sequence_number;
            rec.source = sm.source;
            rec.dest = sm.dest;
            rec.esm_class = sm.esm_class;
            rec.registered_delivery = sm.registered_delivery;
            rec.data_coding = sm.data_coding;
            rec.short_message = sm.short_message;
            rec.tlv_tags.clear();
            for (const auto& t : sm.tlvs.items()) rec.tlv_tags.push_back(t.tag);
            format_message_id(settings.message_id, n, rec.message_id);

            const bool silent = rng.chance(faults.no_response);
            const command_status status =
                rng.chance(faults.submit_status_fraction) ? faults.submit_status : command_status::ESME_ROK;
            rec.status = status;
            rec.answered = !silent;
            resp.status = status;
            if (status == command_status::ESME_ROK) resp.as<protocol::SubmitSmResp>()->message_id = rec.message_id;

            const auto now = clock::now();
            if (silent) {
                ++stats.no_response;
                answer_now = false;
            } else {
                ++stats.resps[static_cast<std::uint32_t>(status)];
                if (faults.latency.count() > 0) {
                    resps.push(now + faults.latency, PendingResp{s.weak_from_this(), resp});
                    arm(now + faults.latency);
                    answer_now = false;
                }
            }

            // registered_delivery bits 0-1: 1 a receipt always, 2 on failure only.
            const unsigned wanted = sm.registered_delivery & 0x03;
            if (!silent && status == command_status::ESME_ROK && wanted != 0) {
                const auto state = draw_final_state();
                const bool skip = wanted == 2 && state == protocol::message_state::delivered;
                if (!skip && rng.chance(faults.receipts.drop)) {
                    ++stats.receipts_dropped;
                } else if (!skip) {
                    PendingReceipt r;
                    r.origin = s.weak_from_this();
                    r.n = n;
                    r.submit_date = std::time(nullptr);
                    r.from = sm.dest;
                    r.to = sm.source;
                    r.state = state;
                    std::string_view text = sm.short_message;
                    if (text.empty())
                        if (auto payload = sm.tlvs.message_payload()) text = *payload;
                    r.text_len = static_cast<std::uint8_t>(std::min<std::size_t>(text.size(), r.text.size()));
                    std::copy_n(text.data(), r.text_len, r.text.data());
                    const int copies = rng.chance(faults.receipts.duplicate) ? 2 : 1;
                    if (copies == 2) ++stats.receipts_duplicated;
                    auto due = now + settings.receipt_delay;
                    for (int c = 0; c < copies; ++c) {
                        if (faults.receipts.before_resp) {
                            now_target[c] = pick_receiver(r.origin, settings.receipt_on);
                            if (now_target[c]) {
                                ++stats.receipts_sent;
                                now_receipt[c] = r;
                                continue;
                            }
                        }
                        auto at = due;
                        if (faults.receipts.reorder) {
                            // Up to one more delay (at least 100 ms) at random: later
                            // submits overtake earlier ones.
                            const auto spread = std::max<std::chrono::milliseconds>(settings.receipt_delay,
                                                                                    std::chrono::milliseconds(100));
                            at += std::chrono::duration_cast<clock::duration>(spread * rng.uniform());
                        }
                        schedule_receipt(at, r);
                    }
                }
            }
        }
        for (int c = 0; c < 2; ++c)
            if (now_receipt[c]) send_receipt(now_target[c], std::move(*now_receipt[c]));
        if (answer_now) s.respond(std::move(resp));
    }

    void on_timer() {
        std::vector<PendingResp> due_resps;
        std::vector<std::pair<std::shared_ptr<Session>, PendingReceipt>> due_receipts;
        {
            std::lock_guard lock(mu);
            armed.reset();
            if (stopped) return;
            const auto now = clock::now();
            const auto limit = now + timer_slack;
            while (auto r = resps.pop_due(limit)) due_resps.push_back(std::move(*r));
            // In due order while the head's bind can take it: a bind with a
            // full window (or none bound at all) holds the rest back, as an
            // SMSC queues receipts for a slow ESME, without retry storms.
            std::vector<std::pair<Session*, std::uint32_t>> batched;
            std::optional<clock::time_point> hold_until;
            while (auto* head = receipts.peek_due(limit)) {
                auto target = pick_receiver(head->origin, settings.receipt_on);
                if (!target) {
                    hold_until = now + no_receiver_retry;
                    break;
                }
                auto it = std::find_if(batched.begin(), batched.end(),
                                       [&](const auto& b) { return b.first == target.get(); });
                if (it == batched.end()) it = batched.insert(batched.end(), {target.get(), 0});
                if (it->second >= target->window_room()) {
                    hold_until = now + busy_retry;
                    break;
                }
                ++it->second;
                ++stats.receipts_sent;
                due_receipts.emplace_back(std::move(target), std::move(*receipts.pop_due(limit)));
            }
            auto next = resps.earliest();
            auto e = hold_until ? hold_until : receipts.earliest();
            if (e && (!next || *e < *next)) next = e;
            if (next) arm(*next);
        }
        for (auto& r : due_resps)
            if (auto s = r.session.lock()) s->respond(std::move(r.resp));
        for (auto& [target, r] : due_receipts) send_receipt(target, std::move(r));
    }

    void send_receipt(const std::shared_ptr<Session>& target, PendingReceipt r) {
        protocol::DeliverSm d;
        d.source = r.from;
        d.dest = r.to;
        d.esm_class = protocol::esm_class::delivery_receipt;
        std::string id = format_message_id(settings.receipt_message_id, r.n);
        if (settings.receipts != receipt_mode::tlv) {
            ReceiptText t;
            t.id = id;
            t.dlvrd = r.state == protocol::message_state::delivered ? 1 : 0;
            t.submit_date = r.submit_date;
            t.done_date = std::time(nullptr);
            t.state = r.state;
            t.err = r.state == protocol::message_state::delivered ? 0 : 1;
            t.text = std::string_view(r.text.data(), r.text_len);
            d.short_message = format_receipt_text(t);
        }
        if (settings.receipts != receipt_mode::text) {
            d.tlvs.set_cstring(protocol::tlv_tag::receipted_message_id, id);
            d.tlvs.set_message_state(r.state);
        }
        target->send_request(std::move(d), [w = weak_from_this(), r](std::error_code ec, Pdu resp) mutable {
            auto self = w.lock();
            if (!self) return;
            std::lock_guard lock(self->mu);
            if (ec == session::session_errc::window_full || ec == session::session_errc::write_queue_full) {
                // The ESME is slow: keep the receipt, as an SMSC would.
                --self->stats.receipts_sent;
                self->schedule_receipt(clock::now() + busy_retry, std::move(r));
            } else if (ec || resp.status != command_status::ESME_ROK) {
                ++self->stats.receipts_failed;
            }
        });
    }

    bool send_mo(const protocol::Address& from, const protocol::Address& to, std::string text,
                 std::uint8_t data_coding) {
        std::shared_ptr<Session> target;
        {
            std::lock_guard lock(mu);
            target = pick_receiver({}, receipt_route::same);
            if (!target) return false;
            ++stats.mo_sent;
        }
        protocol::DeliverSm d;
        d.source = from;
        d.dest = to;
        d.data_coding = data_coding;
        d.short_message = std::move(text);
        target->send_request(std::move(d), [](std::error_code, Pdu) {});
        return true;
    }
};

namespace {

// One per connection; its fields are touched only on the session's strand.
class SimSessionHandler : public session::SessionHandler {
public:
    explicit SimSessionHandler(std::weak_ptr<SimCarrier::Impl> carrier) : carrier_(std::move(carrier)) {}

    void on_bind_request(Session&, const session::BindRequest& req, session::BindVerdict verdict) override {
        auto c = carrier_.lock();
        verdict(c ? c->check_bind(req) : command_status::ESME_RBINDFAIL);
    }
    void on_bound(Session& s) override {
        if (auto c = carrier_.lock()) c->on_bound(s);
    }
    void on_request(Session& s, Pdu&& p) override {
        auto c = carrier_.lock();
        if (c && p.as<protocol::SubmitSm>()) return c->on_submit(s, std::move(p), submits_);
        s.respond(protocol::make_response(p.id(), p.sequence_number, command_status::ESME_RINVCMDID));
    }
    void on_closed(Session& s, session::close_reason) override {
        if (auto c = carrier_.lock()) c->on_closed(s);
    }

private:
    std::weak_ptr<SimCarrier::Impl> carrier_;
    std::uint64_t submits_ = 0;
};

}  // namespace

std::shared_ptr<SimCarrier> SimCarrier::create(asio::any_io_executor ex, CarrierSettings settings) {
    if (auto e = settings.validate(); !e.empty()) throw std::invalid_argument("carrier " + settings.name + ": " + e);
    std::shared_ptr<asio::ssl::context> tls;
    if (settings.tls) {
        auto r = session::make_server_context(*settings.tls);
        if (!r.context) throw std::invalid_argument("carrier " + settings.name + ": tls." + r.error);
        tls = std::move(r.context);
    }
    auto impl = std::make_shared<Impl>(ex, std::move(settings));
    const auto& s = impl->settings;
    std::weak_ptr<Impl> weak = impl;
    impl->listener = session::Listener::create(
        ex, asio::ip::tcp::endpoint(asio::ip::make_address(s.host), s.port), s.session,
        [weak](const asio::ip::tcp::endpoint&) -> std::shared_ptr<session::SessionHandler> {
            if (weak.expired()) return nullptr;
            return std::make_shared<SimSessionHandler>(weak);
        });
    if (tls) impl->listener->set_tls(std::move(tls));
    return std::shared_ptr<SimCarrier>(new SimCarrier(std::move(impl)));
}

SimCarrier::SimCarrier(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

SimCarrier::~SimCarrier() {
    std::lock_guard lock(impl_->mu);
    impl_->stopped = true;
    impl_->timer.cancel();
}

void SimCarrier::start() { impl_->listener->start(); }

void SimCarrier::stop(std::function<void()> done) {
    {
        std::lock_guard lock(impl_->mu);
        impl_->stopped = true;
        impl_->timer.cancel();
        impl_->resps.clear();
        impl_->receipts.clear();
    }
    impl_->listener->stop(std::move(done));
}

const std::string& SimCarrier::name() const noexcept { return impl_->settings.name; }
std::uint16_t SimCarrier::port() const { return impl_->listener->local_endpoint().port(); }

FaultPlan SimCarrier::faults() const {
    std::lock_guard lock(impl_->mu);
    return impl_->faults;
}

void SimCarrier::set_faults(const FaultPlan& plan) {
    std::lock_guard lock(impl_->mu);
    impl_->faults = plan;
}

std::string SimCarrier::apply_fault(std::span<const std::string_view> words) {
    std::lock_guard lock(impl_->mu);
    return sim::apply_fault(impl_->faults, words);
}

void SimCarrier::clear_faults() { set_faults(FaultPlan{}); }

CarrierStats SimCarrier::stats() const {
    std::lock_guard lock(impl_->mu);
    CarrierStats s = impl_->stats;
    s.binds = impl_->bound.size();
    s.receipts_pending = impl_->receipts.size();
    return s;
}

std::vector<SubmitRecord> SimCarrier::received(std::size_t n) const {
    std::lock_guard lock(impl_->mu);
    return impl_->log.last(n);
}

bool SimCarrier::send_mo(const protocol::Address& from, const protocol::Address& to, std::string text,
                         std::uint8_t data_coding) {
    return impl_->send_mo(from, to, std::move(text), data_coding);
}

}  // namespace smpp::sim
