#include "smpp/carrier/carrier.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <stdexcept>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "smpp/carrier/adaptive_rate.hpp"
#include "smpp/carrier/token_bucket.hpp"
#include "smpp/session/session_error.hpp"

namespace smpp::carrier {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;
using protocol::command_status;
using protocol::Pdu;
using session::session_errc;

std::string_view name(carrier_state s) noexcept {
    switch (s) {
        case carrier_state::running: return "running";
        case carrier_state::draining: return "draining";
        case carrier_state::disabled: return "disabled";
        case carrier_state::stopping: return "stopping";
        case carrier_state::stopped: return "stopped";
    }
    return "?";
}

namespace {

AdaptiveRateSettings rate_settings(const CarrierSettings& s) {
    AdaptiveRateSettings a;
    a.ceiling = s.max_tps;
    a.floor = s.throttle.floor_tps;
    a.decrease_factor = s.throttle.decrease_factor;
    a.recovery_step = s.throttle.recovery_step > 0 ? s.throttle.recovery_step : s.max_tps / 10.0;
    a.recovery_interval = s.throttle.recovery_interval;
    a.cut_hold = s.throttle.cut_hold.count() > 0
                     ? s.throttle.cut_hold
                     : std::max<std::chrono::milliseconds>(std::chrono::milliseconds(100), s.response_timeout / 10);
    return a;
}

// A twentieth of a second's worth: enough to absorb timer slack, too little
// for a carrier to see a burst above its contracted rate.
double burst_for(std::uint32_t max_tps) { return std::max(1.0, max_tps / 20.0); }

}  // namespace

struct Carrier::Impl : std::enable_shared_from_this<Impl> {
    struct Pending {
        SubmitRequest request;
        SubmitCallback done;
        std::uint32_t throttled_retries = 0;
    };
    using Queue = SubmitQueue<Pending>;
    using Entry = Queue::Entry;

    // Session callbacks of one bind, moved onto the carrier's strand. `epoch`
    // tells a stopped Client's late callbacks from the current one's.
    class BindHandler final : public session::SessionHandler {
    public:
        BindHandler(std::weak_ptr<Impl> c, std::size_t index, std::uint64_t epoch)
            : carrier_(std::move(c)), index_(index), epoch_(epoch) {}
        void on_bound(session::Session& s) override {
            if (auto c = carrier_.lock())
                asio::post(c->strand, [c, i = index_, e = epoch_, sp = s.shared_from_this()] { c->on_bound(i, e, sp); });
        }
        void on_closed(session::Session& s, session::close_reason r) override {
            if (auto c = carrier_.lock())
                asio::post(c->strand,
                           [c, i = index_, e = epoch_, sp = s.shared_from_this(), r] { c->on_closed(i, e, sp, r); });
        }
        void on_request(session::Session& s, Pdu&& p) override {
            auto c = carrier_.lock();
            const bool mo = p.as<protocol::DeliverSm>() || p.as<protocol::DataSm>();
            if (!mo) {
                s.respond(protocol::make_response(p.id(), p.sequence_number, command_status::ESME_RINVCMDID));
                return;
            }
            if (!c) {
                // Going away: the SMSC keeps the receipt and offers it again.
                s.respond(protocol::make_response(p.id(), p.sequence_number, command_status::ESME_RX_T_APPN));
                return;
            }
            std::weak_ptr<session::Session> ws = s.shared_from_this();
            auto respond = [ws, id = p.id(), seq = p.sequence_number](command_status st) {
                if (auto sp = ws.lock()) sp->respond(protocol::make_response(id, seq, st));
            };
            asio::post(c->strand, [c, i = index_, e = epoch_, p = std::move(p), respond]() mutable {
                c->on_deliver_sm(i, e, std::move(p), std::move(respond));
            });
        }

    private:
        std::weak_ptr<Impl> carrier_;
        std::size_t index_;
        std::uint64_t epoch_;
    };

    Impl(asio::any_io_executor ex, CarrierSettings s, DeliverHandler d)
        : io(std::move(ex)),
          strand(asio::make_strand(io)),
          settings(std::move(s)),
          on_deliver(std::move(d)),
          pool(settings.window),
          queue(settings.queue_limit),
          bucket(settings.max_tps, burst_for(settings.max_tps), clock::now()),
          rate(rate_settings(settings), clock::now()),
          token_timer(strand),
          unbound_timer(strand),
          late_timer(strand),
          late_window(slot_hold(settings.client_settings(session::bind_type::transceiver).session)),
          backup(settings.backup) {
        for (std::uint32_t i = 0; i < settings.binds; ++i) {
            if (settings.mode == bind_mode::transceiver) {
                add_bind(session::bind_type::transceiver);
            } else {
                add_bind(session::bind_type::transmitter);
                add_bind(session::bind_type::receiver);
            }
        }
        publish_all();
    }

    void add_bind(session::bind_type t) {
        BindPool::Bind b;
        b.type = t;
        pool.binds().push_back(std::move(b));
    }

    asio::any_io_executor io;
    asio::strand<asio::any_io_executor> strand;
    CarrierSettings settings;
    DeliverHandler on_deliver;
    LateHandler on_late;  // set_late_handler(), on the strand
    BindPool pool;
    Queue queue;
    TokenBucket bucket;
    AdaptiveRate rate;
    asio::steady_timer token_timer;
    bool timer_armed = false;
    // No bind able to submit: since when, and whether unbound_timeout has
    // passed (then submits are refused as unbound until one binds).
    asio::steady_timer unbound_timer;
    bool unbound_armed = false;
    // A submit that timed out keeps its window slot (Bind::timed_out) until
    // its late answer comes or the session stops waiting for one. Freeing
    // it at the timeout, as a session's window does, put window + N submits
    // at a slow SMSC (answering in 12 s against our 10 s): more than the
    // window it granted us, which SMSCs answer with ESME_RMSGQFUL or
    // generic_nack, or by dropping the bind. Taking the bind down after a
    // few timeouts instead would also free the slots, but it turns every
    // late ESME_ROK of a slow carrier into a message in doubt and a resend
    // six minutes on: what operators expect from a slow SMSC is that we slow
    // down to its pace. A submit never answered (an SMSC that drops one now
    // and then) holds its slot for late_window: four response timeouts, at
    // most the session's late_response_window. Held for the whole 5 min,
    // a few such drops a minute would have taken most of a small window for
    // good; an answer later than that still counts (the session keeps
    // waiting for it), it just no longer holds a slot. A new session (any
    // close) frees them all on both sides.
    static std::chrono::milliseconds slot_hold(const session::SessionSettings& s) {
        return std::min(s.late_response_window, 4 * s.response_timeout);
    }
    asio::steady_timer late_timer;
    bool late_armed = false;
    std::chrono::milliseconds late_window;
    std::uint64_t next_token = 0;
    bool down = false;
    clock::time_point down_since{};
    bool refusing_unbound = false;
    carrier_state state = carrier_state::running;
    bool backup = false;
    bool started = false;
    bool unbinding = false;
    std::size_t clients_stopping = 0;
    std::vector<std::function<void()>> drain_waiters;

    // Whether a submit now would be queued (published with the snapshot).
    std::atomic<bool> accepting{true};
    mutable std::mutex snapshot_mu;
    CarrierSnapshot published;
    std::vector<std::shared_ptr<session::Client>> published_clients;

    // ---- binds -------------------------------------------------------------

    void start() {
        if (started || state != carrier_state::running) return;
        started = true;
        start_binds();
        watch_binds();
    }

    bool can_submit_somewhere() const noexcept {
        return std::any_of(pool.binds().begin(), pool.binds().end(), [](const BindPool::Bind& b) {
            return b.can_submit() && b.session && b.state == bind_state::bound;
        });
    }

    // After anything that may change whether a bind can take submits.
    void watch_binds() {
        if (settings.unbound_timeout.count() == 0) return;
        if (!started || !takes_work() || can_submit_somewhere()) {
            if (refusing_unbound && takes_work())
                spdlog::info("carrier {}: a bind is up again; taking submits", settings.id);
            down = false;
            refusing_unbound = false;
            return;
        }
        if (!down) {
            down = true;
            down_since = clock::now();
        }
        if (!refusing_unbound && !unbound_armed) arm_unbound_timer();
    }

    void arm_unbound_timer() {
        unbound_armed = true;
        unbound_timer.expires_at(down_since + settings.unbound_timeout);
        unbound_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            self->unbound_armed = false;
            if (!ec) self->on_unbound_timer();
        });
    }

    void on_unbound_timer() {
        if (!down || refusing_unbound || !takes_work()) return;
        // Down, up and down again since it was armed: count from the last time.
        if (clock::now() < down_since + settings.unbound_timeout) return arm_unbound_timer();
        refusing_unbound = true;
        spdlog::warn("carrier {}: no bind up for {} ms; {} queued submit(s) refused, new ones refused until a bind "
                     "is up",
                     settings.id, settings.unbound_timeout.count(), queue.size());
        for (auto& e : queue.take_all()) deliver(e.item.done, Refused{refusal::unbound});
        publish();
    }

    void start_binds() {
        for (std::size_t i = 0; i < pool.size(); ++i) {
            auto& b = pool[i];
            ++b.epoch;
            b.session.reset();
            b.in_flight = 0;
            b.timed_out.clear();
            b.write_blocked = false;
            b.enter(bind_state::connecting);
            b.client = session::Client::create(io, settings.client_settings(b.type),
                                               std::make_shared<BindHandler>(weak_from_this(), i, b.epoch));
            b.client->start();
        }
        spdlog::info("carrier {}: starting {} bind(s){}", settings.id, pool.size(), backup ? " (backup)" : "");
        publish_all();
    }

    void on_bound(std::size_t i, std::uint64_t epoch, std::shared_ptr<session::Session> s) {
        auto& b = pool[i];
        if (b.epoch != epoch || unbinding) return;  // a stopped Client; its stop() unbinds it
        b.session = std::move(s);
        ++b.session_number;
        b.in_flight = 0;
        b.timed_out.clear();
        b.write_blocked = false;
        b.stale = false;
        b.enter(is_draining() ? bind_state::draining : bind_state::bound);
        ++b.counters.binds;
        if (b.was_bound) ++b.counters.reconnects;
        b.was_bound = true;
        spdlog::info("carrier {}: bind {} ({}) bound", settings.id, i, session::name(b.type));
        after_event();
    }

    void on_closed(std::size_t i, std::uint64_t epoch, const std::shared_ptr<session::Session>& s,
                   session::close_reason r) {
        auto& b = pool[i];
        if (b.epoch != epoch || b.session != s) return;
        b.session.reset();
        b.timed_out.clear();  // a late answer cannot come on another connection
        ++b.counters.closes;
        if (b.state == bind_state::bound) b.enter(bind_state::connecting);
        spdlog::info("carrier {}: bind {} closed ({})", settings.id, i, session::name(r));
        after_event();
    }

    void on_deliver_sm(std::size_t i, std::uint64_t epoch, Pdu&& p, std::function<void(command_status)> respond) {
        if (pool[i].epoch == epoch) ++pool[i].counters.deliver_sm;
        if (on_deliver)
            on_deliver(std::move(p), std::move(respond));
        else
            respond(command_status::ESME_ROK);
        publish();
    }

    // ---- submits -----------------------------------------------------------

    bool is_draining() const noexcept {
        return state == carrier_state::draining || state == carrier_state::stopping;
    }
    bool takes_work() const noexcept { return state == carrier_state::running && !backup; }
    refusal refusal_now() const noexcept {
        return state == carrier_state::stopping || state == carrier_state::stopped ? refusal::stopped
                                                                                   : refusal::disabled;
    }

    void submit(SubmitRequest r, SubmitCallback done) {
        const bool is_submit = std::holds_alternative<protocol::SubmitSm>(r.pdu) ||
                               std::holds_alternative<protocol::DataSm>(r.pdu);
        if (!takes_work()) return deliver(done, Refused{refusal_now()});
        if (!is_submit) return deliver(done, Refused{refusal::invalid_request});
        if (refusing_unbound) return deliver(done, Refused{refusal::unbound});
        if (queue.size() >= queue.capacity()) return deliver(done, Refused{refusal::queue_full});
        const auto cls = r.cls;
        queue.push(cls, Pending{std::move(r), std::move(done), 0});
        pump();
        publish();
    }

    static void deliver(const SubmitCallback& done, SubmitOutcome o) {
        if (done) done(std::move(o));
    }

    void pump() {
        if (!takes_work()) return;
        while (!queue.empty()) {
            BindPool::Bind* b = pool.pick();
            if (!b) return;  // a response or a new bind pumps again
            const auto now = clock::now();
            if (const double r = rate.rate(now); r != bucket.rate()) bucket.set_rate(r, now);
            if (!bucket.try_take(now)) return arm_token_timer(bucket.next_token_at(now));
            auto e = queue.pop();
            send(static_cast<std::size_t>(b - pool.binds().data()), std::move(*e));
        }
    }

    // Out of tokens: one timer for when the next token is due, not a poll.
    void arm_token_timer(clock::time_point at) {
        if (timer_armed) return;
        timer_armed = true;
        token_timer.expires_at(at);
        token_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            self->timer_armed = false;
            if (!ec) self->pump();
        });
    }

    void send(std::size_t i, Entry e) {
        auto& b = pool[i];
        ++b.in_flight;
        ++b.counters.submits;
        const auto token = ++next_token;
        auto entry = std::make_shared<Entry>(std::move(e));
        // A copy: a throttled submit goes again with the same body.
        protocol::PduBody body = entry->item.request.pdu;
        auto done = [self = shared_from_this(), i, n = b.session_number, token, entry](std::error_code ec,
                                                                                         Pdu resp) mutable {
            asio::post(self->strand,
                       [self, i, n, token, entry = std::move(entry), ec, resp = std::move(resp)]() mutable {
                           self->on_response(i, n, token, std::move(*entry), ec, std::move(resp));
                       });
        };
        // Always a late handler, with or without on_late: a late answer frees
        // the window slot its submit kept.
        b.session->send_request(std::move(body), std::move(done),
                                [self = shared_from_this(), i, n = b.session_number, token,
                                 id = entry->item.request.id](std::error_code, Pdu resp) mutable {
                                    asio::post(self->strand, [self, i, n, token, id = std::move(id),
                                                              resp = std::move(resp)]() mutable {
                                        self->on_late_response(i, n, token, id, std::move(resp));
                                    });
                                });
    }

    // A submit answered with response_timeout keeps its slot (see late_window).
    void hold_timed_out(BindPool::Bind& b, std::uint64_t token) {
        const auto until = clock::now() + late_window;
        b.timed_out.emplace(token, until);
        if (!late_armed) arm_late_timer(until);
    }

    void arm_late_timer(clock::time_point at) {
        late_armed = true;
        late_timer.expires_at(at);
        late_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            self->late_armed = false;
            if (!ec) self->on_late_timer();
        });
    }

    // The session no longer takes late answers for these: their slots are free.
    void on_late_timer() {
        const auto now = clock::now();
        std::optional<clock::time_point> next;
        bool freed = false;
        for (auto& b : pool.binds()) {
            // In token order, which is timeout order: the oldest first.
            while (!b.timed_out.empty() && b.timed_out.begin()->second <= now) {
                b.timed_out.erase(b.timed_out.begin());
                freed = true;
            }
            if (!b.timed_out.empty() && (!next || b.timed_out.begin()->second < *next))
                next = b.timed_out.begin()->second;
        }
        if (next) arm_late_timer(*next);
        if (freed) after_event();
    }

    // The answer to a submit that already ended InDoubt (response_timeout).
    void on_late_response(std::size_t i, std::uint64_t session_number, std::uint64_t token, const std::string& id,
                          Pdu resp) {
        auto& b = pool[i];
        spdlog::warn("carrier {}: {} {} for submit {} came after its response_timeout", settings.id,
                     protocol::name(resp.id()), protocol::name(resp.status), id);
        if (on_late) {
            SubmitOutcome o;
            if (resp.id() == protocol::command_id::generic_nack) {
                o = outcome_for(resp.status == command_status::ESME_ROK ? command_status::ESME_RINVCMDID
                                                                        : resp.status);
            } else if (resp.status == command_status::ESME_ROK) {
                std::string carrier_message_id;
                if (auto* r = resp.as<protocol::SubmitSmResp>()) carrier_message_id = std::move(r->message_id);
                if (auto* r = resp.as<protocol::DataSmResp>()) carrier_message_id = std::move(r->message_id);
                o = Sent{std::move(carrier_message_id)};
            } else {
                o = outcome_for(resp.status);
            }
            set_bind(o, bind_label(i, b.client ? b.client->endpoint() : std::string()));
            on_late(id, std::move(o));
        }
        // Its slot is free: the SMSC is done with it.
        if (b.session_number == session_number && b.timed_out.erase(token) > 0) after_event();
    }

    void on_response(std::size_t i, std::uint64_t session_number, std::uint64_t token, Entry e, std::error_code ec,
                     Pdu resp) {
        auto& b = pool[i];
        const bool same_session = b.session_number == session_number;
        if (same_session && b.in_flight > 0) --b.in_flight;
        if (same_session && b.stale) asio::post(strand, [self = shared_from_this(), i, session_number] {
            auto& bind = self->pool[i];
            if (bind.session_number == session_number) self->close_if_stale(bind);
        });
        if (same_session) b.write_blocked = ec == session_errc::write_queue_full && b.in_flight > 0;
        if (ec) {
            if (ec == session_errc::window_full || ec == session_errc::write_queue_full ||
                ec == session_errc::not_bound) {
                // Refused before it was written: it never left us. A bind
                // that is unbinding takes nothing more until it binds again.
                if (ec == session_errc::not_bound && same_session && b.state == bind_state::bound)
                    b.enter(bind_state::connecting);
                requeue(std::move(e), Refused{refusal_now()});
            } else if (ec == session_errc::encode_failed) {
                finish(b, std::move(e), Refused{refusal::invalid_request});
            } else if (ec == session_errc::response_timeout) {
                // Not on a closed session: nothing can answer it there.
                if (same_session && b.session) hold_timed_out(b, token);
                finish(b, std::move(e), InDoubt{in_doubt_reason::response_timeout});
            } else if (ec == session_errc::session_closed) {
                finish(b, std::move(e), InDoubt{in_doubt_reason::session_closed});
            } else {
                finish(b, std::move(e), InDoubt{in_doubt_reason::undecodable_response});
            }
            return after_event();
        }
        // Throttling first: some SMSCs say ESME_RTHROTTLED in a generic_nack,
        // and it must slow us down all the same.
        if (resp.id() == protocol::command_id::generic_nack && !is_throttling(resp.status)) {
            // The carrier could not read our submit: it did not take it.
            const auto st = resp.status == command_status::ESME_ROK ? command_status::ESME_RINVCMDID : resp.status;
            finish(b, std::move(e), outcome_for(st));
        } else if (resp.status == command_status::ESME_ROK && resp.id() != protocol::command_id::generic_nack) {
            std::string id;
            if (auto* r = resp.as<protocol::SubmitSmResp>()) id = std::move(r->message_id);
            if (auto* r = resp.as<protocol::DataSmResp>()) id = std::move(r->message_id);
            finish(b, std::move(e), Sent{std::move(id)});
        } else if (resp.status == command_status::ESME_RINVBNDSTS && same_session) {
            // The SMSC no longer has this bind (it restarted behind a proxy,
            // or timed us out) while the TCP connection stays up: every
            // submit on it would bounce. It did not take this one; the
            // others on the wire get the same answer, then a new bind.
            if (!b.stale) spdlog::warn("carrier {}: bind {} answered ESME_RINVBNDSTS: binding again", settings.id, i);
            b.stale = true;
            if (b.state == bind_state::bound) b.enter(bind_state::connecting);
            // Bounded like throttling: an SMSC that says it after every
            // fresh bind sends the message to the route's next carrier.
            if (e.item.throttled_retries < settings.throttle.max_retries) {
                ++e.item.throttled_retries;
                requeue(std::move(e), Transient{resp.status});
            } else {
                finish(b, std::move(e), Transient{resp.status});
            }
            close_if_stale(b);
        } else if (is_throttling(resp.status)) {
            ++b.counters.throttled;
            const auto now = clock::now();
            if (rate.on_throttled(now)) {
                bucket.set_rate(rate.rate(now), now);
                bucket.empty(now);
                spdlog::warn("carrier {}: {} from bind {}, rate cut to {:.1f} tps", settings.id,
                             protocol::name(resp.status), i, bucket.rate());
            }
            if (e.item.throttled_retries < settings.throttle.max_retries) {
                ++e.item.throttled_retries;
                requeue(std::move(e), Transient{resp.status});
            } else {
                finish(b, std::move(e), Transient{resp.status});
            }
        } else {
            finish(b, std::move(e), outcome_for(resp.status));
        }
        after_event();
    }

    void close_if_stale(BindPool::Bind& b) {
        if (b.stale && b.in_flight == 0 && b.session) b.session->close(session::close_reason::stale_bind);
    }

    // Back to its place in its class, or — if the carrier no longer takes
    // work — the outcome it gets instead.
    void requeue(Entry e, SubmitOutcome otherwise) {
        if (takes_work()) return queue.requeue(std::move(e));
        deliver(e.item.done, std::move(otherwise));
    }

    void finish(BindPool::Bind& b, Entry e, SubmitOutcome o) {
        // The record's attempt names the bind (pool index, as smppctl binds).
        set_bind(o, bind_label(static_cast<std::size_t>(&b - pool.binds().data()),
                               b.client ? b.client->endpoint() : std::string()));
        struct Count {
            BindCounters& c;
            void operator()(const Sent&) { ++c.sent; }
            void operator()(const Transient&) { ++c.transient; }
            void operator()(const Permanent&) { ++c.permanent; }
            void operator()(const InDoubt&) { ++c.in_doubt; }
            void operator()(const Refused&) {}
        };
        std::visit(Count{b.counters}, o);
        deliver(e.item.done, std::move(o));
    }

    void after_event() {
        maybe_unbind();
        watch_binds();
        pump();
        publish();
    }

    // ---- drain, disable, stop ------------------------------------------------

    void drain(std::function<void()> done, bool final_stop) {
        if (done) drain_waiters.push_back(std::move(done));
        if (state == carrier_state::stopped) return finish_drain();
        if (state == carrier_state::disabled) {
            if (final_stop) state = carrier_state::stopped;
            return finish_drain();
        }
        if (final_stop) state = carrier_state::stopping;
        if (state == carrier_state::running) state = carrier_state::draining;
        spdlog::info("carrier {}: {}, {} queued submit(s) refused, {} on the wire", settings.id, name(state),
                     queue.size(), pool.in_flight());
        refuse_queued();
        token_timer.cancel();
        unbound_timer.cancel();
        late_timer.cancel();  // no submits now; finish_drain() frees the slots
        for (auto& b : pool.binds())
            if (b.state == bind_state::bound || b.state == bind_state::connecting) b.enter(bind_state::draining);
        after_event();
    }

    void refuse_queued() {
        const auto why = refusal_now();
        for (auto& e : queue.take_all()) deliver(e.item.done, Refused{why});
    }

    // Once the windows are empty, unbind every bind (Client::stop unbinds
    // gracefully and stops rebinding).
    void maybe_unbind() {
        if (!is_draining() || unbinding || pool.in_flight() > 0) return;
        unbinding = true;
        clients_stopping = 0;
        for (auto& b : pool.binds()) {
            if (!b.client) continue;
            ++clients_stopping;
            b.client->stop([self = shared_from_this()] {
                asio::post(self->strand, [self] {
                    if (--self->clients_stopping == 0) self->finish_drain();
                });
            });
        }
        if (clients_stopping == 0) finish_drain();
    }

    void finish_drain() {
        if (is_draining() && !unbinding) return;  // the windows have not emptied yet
        if (is_draining()) {
            for (auto& b : pool.binds()) {
                ++b.epoch;  // late callbacks of the stopped Clients are ignored
                b.client.reset();
                b.session.reset();
                b.in_flight = 0;
                b.timed_out.clear();
                b.enter(bind_state::disabled);
            }
            unbinding = false;
            state = state == carrier_state::stopping ? carrier_state::stopped : carrier_state::disabled;
            spdlog::info("carrier {}: {}", settings.id, name(state));
        }
        publish_all();
        auto waiters = std::move(drain_waiters);
        drain_waiters.clear();
        for (auto& w : waiters) w();
    }

    void enable() {
        if (state != carrier_state::disabled) {
            spdlog::info("carrier {}: enable ignored while {}", settings.id, name(state));
            return;
        }
        state = carrier_state::running;
        started = true;
        start_binds();
        watch_binds();
    }

    void set_backup(bool b) {
        backup = b;
        if (backup) refuse_queued();
        after_event();
    }

    // ---- snapshot ----------------------------------------------------------

    // After every submit and response: the values a message changes
    // (queue depth, windows, rate, bind states and counters), in place. The
    // strings and client handles only change with the clients themselves
    // (start_binds, finish_drain), which publish_all(); snapshot() asks the
    // clients for their endpoint, error and failures anyway. Rebuilding all
    // of it twice per message cost more than the submit it reported.
    void publish() {
        accepting.store(takes_work() && !refusing_unbound, std::memory_order_relaxed);
        if (published.binds.size() != pool.size()) return publish_all();
        const auto now = clock::now();
        std::lock_guard lock(snapshot_mu);
        auto& s = published;
        s.state = state;
        s.backup = backup;
        s.rate_tps = rate.rate(now);
        s.rate_cuts = rate.cuts();
        s.queued = queue.size();
        for (std::size_t k = 0; k < message_classes; ++k) s.queued_by_class[k] = queue.size(static_cast<message_class>(k));
        s.in_flight = pool.in_flight();
        for (std::size_t i = 0; i < pool.size(); ++i) {
            const auto& b = pool[i];
            auto& out = s.binds[i];
            out.state = b.state;  // snapshot() turns a holding-off connecting into backoff
            out.since = b.since;
            out.in_flight = b.in_flight;
            out.counters = b.counters;
        }
    }

    void publish_all() {
        accepting.store(takes_work() && !refusing_unbound, std::memory_order_relaxed);
        CarrierSnapshot s;
        s.id = settings.id;
        s.state = state;
        s.backup = backup;
        s.rate_tps = rate.rate(clock::now());
        s.rate_cuts = rate.cuts();
        s.queued = queue.size();
        for (std::size_t k = 0; k < message_classes; ++k) s.queued_by_class[k] = queue.size(static_cast<message_class>(k));
        s.in_flight = pool.in_flight();
        s.binds = pool.snapshot();
        std::vector<std::shared_ptr<session::Client>> clients;
        for (const auto& b : pool.binds()) clients.push_back(b.client);
        std::lock_guard lock(snapshot_mu);
        published = std::move(s);
        published_clients = std::move(clients);
    }

    CarrierSnapshot snapshot() const {
        std::lock_guard lock(snapshot_mu);
        CarrierSnapshot s = published;
        // A Client starts its hold-off without telling us: ask it.
        for (std::size_t i = 0; i < s.binds.size() && i < published_clients.size(); ++i) {
            const auto& c = published_clients[i];
            if (!c) continue;
            s.binds[i].consecutive_failures = c->consecutive_failures();
            s.binds[i].endpoint = c->endpoint();
            s.binds[i].last_error = c->last_error();
            if (s.binds[i].state == bind_state::connecting && c->holding_off()) s.binds[i].state = bind_state::backoff;
        }
        return s;
    }
};

std::shared_ptr<Carrier> Carrier::create(asio::any_io_executor ex, CarrierSettings settings, DeliverHandler on_deliver) {
    if (auto e = settings.validate()) throw std::invalid_argument("carrier " + settings.id + ": " + e->field + ": " + e->message);
    return std::shared_ptr<Carrier>(new Carrier(std::move(ex), std::move(settings), std::move(on_deliver)));
}

Carrier::Carrier(asio::any_io_executor ex, CarrierSettings settings, DeliverHandler on_deliver)
    : impl_(std::make_shared<Impl>(std::move(ex), std::move(settings), std::move(on_deliver))) {}

Carrier::~Carrier() {
    // Nobody holds the handle any more: unbind, and answer whatever is queued.
    asio::post(impl_->strand, [i = impl_] { i->drain({}, true); });
}

void Carrier::set_late_handler(LateHandler on_late) {
    asio::post(impl_->strand, [c = impl_, h = std::move(on_late)]() mutable { c->on_late = std::move(h); });
}

void Carrier::start() {
    asio::post(impl_->strand, [i = impl_] { i->start(); });
}

void Carrier::submit(SubmitRequest request, SubmitCallback done) {
    asio::post(impl_->strand, [i = impl_, r = std::move(request), d = std::move(done)]() mutable {
        i->submit(std::move(r), std::move(d));
    });
}

void Carrier::drain(std::function<void()> done) {
    asio::post(impl_->strand, [i = impl_, d = std::move(done)]() mutable { i->drain(std::move(d), false); });
}

void Carrier::disable() { drain({}); }

void Carrier::enable() {
    asio::post(impl_->strand, [i = impl_] { i->enable(); });
}

void Carrier::set_backup(bool backup) {
    asio::post(impl_->strand, [i = impl_, backup] { i->set_backup(backup); });
}

void Carrier::stop(std::function<void()> done) {
    asio::post(impl_->strand, [i = impl_, d = std::move(done)]() mutable { i->drain(std::move(d), true); });
}

CarrierSnapshot Carrier::snapshot() const { return impl_->snapshot(); }

bool Carrier::accepting() const noexcept { return impl_->accepting.load(std::memory_order_relaxed); }

const CarrierSettings& Carrier::settings() const noexcept { return impl_->settings; }

}  // namespace smpp::carrier
