#include "tools/smpp-bench/load_generator.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "smpp/session/session.hpp"
#include "smpp/session/session_error.hpp"

namespace smpp::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// State every thread reads; the only writes are the atomics.
struct Shared {
    const BenchSettings& settings;
    std::atomic<std::uint64_t> next_index{0};
    std::atomic<bool> started{false};   // every bind tried: the clock runs
    std::atomic<bool> stop_issuing{false};
    std::atomic<bool> hard_stop{false};
    std::atomic<std::uint32_t> binds_settled{0};  // bound or failed once
    clock::time_point start{};          // written before `started`
    clock::time_point hard_deadline{};  // written before threads start
    std::FILE* acks = nullptr;
    std::mutex acks_mutex;
    std::FILE* latency_log = nullptr;  // under acks_mutex too

    explicit Shared(const BenchSettings& s) : settings(s) {}

    // The next message index to send, or false when the count is reached.
    bool claim(std::uint64_t& index) {
        if (stop_issuing.load(std::memory_order_relaxed)) return false;
        index = next_index.fetch_add(1, std::memory_order_relaxed);
        if (settings.count != 0 && index >= settings.count) return false;
        return true;
    }
};

// A session error as one word for the acks file and the report.
std::string error_word(std::error_code ec) {
    std::string w = ec.message();
    std::replace(w.begin(), w.end(), ' ', '_');
    return w;
}

std::string message_text(const BenchSettings& s, std::uint64_t index) {
    std::string out = "m" + std::to_string(index);
    if (s.text.empty()) return out;
    out += ' ';
    if (s.length == 0) return out + s.text;
    while (out.size() < s.length) out.append(s.text, 0, std::min(s.text.size(), s.length - out.size()));
    return out;
}

class Worker;

struct Bind : std::enable_shared_from_this<Bind> {
    Bind(Worker& w, unsigned n, std::uint64_t seed, const DestinationSettings& d)
        : worker(w), number(n), destinations(d, seed) {}
    Worker& worker;
    const unsigned number;
    DestinationPattern destinations;
    std::shared_ptr<session::Session> session;
    bool bound = false;
    bool ever_bound = false;
    bool connecting = false;
    bool closed_for_good = false;
    bool settled = false;  // counted in Shared::binds_settled
    // The session refused a send (window or write queue full, not bound):
    // no more sends on it until the next tick, so a refusal answered inline
    // cannot loop.
    bool stalled = false;
    std::uint32_t outstanding = 0;
    std::deque<std::uint64_t> reissue;  // indices that never reached the wire
};

class BindHandler : public session::SessionHandler {
public:
    explicit BindHandler(std::weak_ptr<Bind> b) : bind_(std::move(b)) {}
    void on_request(session::Session& s, protocol::Pdu&& request) override;
    void on_closed(session::Session&, session::close_reason reason) override;

private:
    std::weak_ptr<Bind> bind_;
};

class Worker {
public:
    Worker(Shared& shared, unsigned first_bind, unsigned binds, double rate_share)
        : shared_(shared), settings_(shared.settings), tick_(io_), rate_(rate_share) {
        burst_ = settings_.burst > 0 ? settings_.burst * rate_share / std::max(1.0, settings_.rate)
                                     : std::max(1.0, rate_ * 0.010);
        for (unsigned i = 0; i < binds; ++i)
            binds_.push_back(std::make_shared<Bind>(*this, first_bind + i, settings_.seed * 1'000'003 + first_bind + i,
                                                    settings_.destination));
    }

    void run() {
        for (auto& b : binds_) connect(b);
        schedule_tick();
        io_.run();
        flush_acks(true);
    }

    BenchReport& report() { return report_; }

    void on_closed(const std::shared_ptr<Bind>& b, session::close_reason reason) {
        const bool was_bound = b->bound;
        b->bound = false;
        b->session.reset();
        if (!finishing_ && !shared_.hard_stop.load())
            spdlog::warn("bind {} closed ({}){}", b->number, session::name(reason),
                         settings_.reconnect.count() > 0 ? ", reconnecting" : "");
        // Indices that never reached the wire go to a bind that is up.
        if (!b->reissue.empty()) {
            for (auto& other : binds_)
                if (other != b && other->bound) {
                    other->reissue.insert(other->reissue.end(), b->reissue.begin(), b->reissue.end());
                    b->reissue.clear();
                    break;
                }
        }
        if (!was_bound && !b->ever_bound) settle(b, false);
        if (finishing_ || shared_.hard_stop.load() || settings_.reconnect.count() == 0) {
            b->closed_for_good = true;
            return;
        }
        reconnect_later(b);
    }

    void on_receipt() { ++report_.receipts; }

private:
    void settle(const std::shared_ptr<Bind>& b, bool ok) {
        if (ok) {
            if (!b->ever_bound) ++report_.binds_bound;
            if (b->ever_bound) ++report_.reconnects;
        } else {
            ++report_.bind_failures;
        }
        if (!b->ever_bound && !b->settled) {
            b->settled = true;
            shared_.binds_settled.fetch_add(1);
        }
        if (ok) b->ever_bound = true;
    }

    void connect(const std::shared_ptr<Bind>& b) {
        if (b->connecting || b->session) return;
        b->connecting = true;
        // The socket lives on a strand of exactly Session::executor_type, so
        // the session shares it (see Session::create).
        auto socket = std::make_shared<tcp::socket>(asio::make_strand(asio::any_io_executor(io_.get_executor())));
        tcp::endpoint at(asio::ip::make_address(settings_.host), settings_.port);
        socket->async_connect(at, [this, b, socket](boost::system::error_code ec) {
            b->connecting = false;
            if (ec) {
                spdlog::warn("bind {}: connect to {}:{} failed: {}", b->number, settings_.host, settings_.port,
                             ec.message());
                return bind_failed(b);
            }
            boost::system::error_code ignored;
            socket->set_option(tcp::no_delay(true), ignored);
            session::SessionSettings ss;
            ss.system_id = "smpp-bench";
            ss.window = settings_.window + 2;  // room for enquire_link beside a full submit window
            ss.response_timeout = settings_.response_timeout;
            ss.bind_timeout = 10s;
            ss.unbind_timeout = 2s;
            ss.enquire_link_interval = 30s;
            ss.write_queue_limit = 16u << 20;
            auto s = session::Session::create(std::move(*socket), session::role::esme, ss,
                                              std::make_shared<BindHandler>(b));
            b->session = s;
            s->start();
            session::BindRequest req;
            req.type = settings_.bind;
            req.system_id = settings_.system_id;
            req.password = settings_.password;
            s->bind(req, [this, b, s](std::error_code bec, protocol::Pdu p) {
                if (b->session != s) return;
                if (bec || p.status != protocol::command_status::ESME_ROK) {
                    spdlog::warn("bind {}: bind refused: {}", b->number,
                                 bec ? bec.message() : protocol::name(p.status));
                    s->close();
                    return;
                }
                settle(b, true);
                b->bound = true;
                if (finishing_) return s->unbind();
                if (closed_loop()) fill(b);
            });
        });
    }

    void bind_failed(const std::shared_ptr<Bind>& b) {
        settle(b, false);
        if (settings_.reconnect.count() > 0 && !finishing_ && !shared_.hard_stop.load()) return reconnect_later(b);
        b->closed_for_good = true;
    }

    void reconnect_later(const std::shared_ptr<Bind>& b) {
        auto t = std::make_shared<asio::steady_timer>(io_, settings_.reconnect);
        t->async_wait([this, b, t](boost::system::error_code) {
            if (finishing_ || shared_.hard_stop.load()) {
                b->closed_for_good = true;
                return;
            }
            connect(b);
        });
    }

    bool closed_loop() const noexcept { return settings_.rate <= 0; }

    bool started() const noexcept { return shared_.started.load(std::memory_order_acquire); }

    // Sends one submit_sm on b; false when nothing is left to send.
    bool send_one(const std::shared_ptr<Bind>& b) {
        std::uint64_t index = 0;
        if (shared_.stop_issuing.load(std::memory_order_relaxed)) {
            exhausted_ = true;
            return false;
        }
        if (!b->reissue.empty()) {
            index = b->reissue.front();
            b->reissue.pop_front();
        } else if (!shared_.claim(index)) {
            exhausted_ = true;
            return false;
        }
        protocol::SubmitSm sm;
        sm.source = {settings_.source_ton, settings_.source_npi, settings_.source};
        sm.registered_delivery = settings_.registered_delivery;
        if (settings_.parts > 1) {
            // Part index % parts + 1 of message index / parts.
            const std::uint64_t message = index / settings_.parts;
            sm.dest = {settings_.dest_ton, settings_.dest_npi, b->destinations.of(message)};
            sm.esm_class = 0x40;
            sm.short_message = {'\x05', '\x00', '\x03', static_cast<char>(message & 0xff),
                                static_cast<char>(settings_.parts), static_cast<char>(index % settings_.parts + 1)};
            sm.short_message += message_text(settings_, index);
        } else if (settings_.payload) {
            sm.dest = {settings_.dest_ton, settings_.dest_npi, b->destinations.next()};
            sm.tlvs.set_bytes(protocol::tlv_tag::message_payload, message_text(settings_, index));
        } else {
            sm.dest = {settings_.dest_ton, settings_.dest_npi, b->destinations.next()};
            sm.short_message = message_text(settings_, index);
        }
        ++b->outstanding;
        ++outstanding_;
        if (first_send_ == clock::time_point{}) first_send_ = clock::now();
        const auto t0 = clock::now();
        b->session->send_request(std::move(sm), [this, b, index, t0](std::error_code ec, protocol::Pdu p) {
            on_response(b, index, t0, ec, std::move(p));
        });
        return true;
    }

    void on_response(const std::shared_ptr<Bind>& b, std::uint64_t index, clock::time_point t0, std::error_code ec,
                     protocol::Pdu p) {
        const auto now = clock::now();
        --b->outstanding;
        --outstanding_;
        if (ec == session::session_errc::window_full || ec == session::session_errc::write_queue_full ||
            ec == session::session_errc::not_bound) {
            // Never on the wire: the same index goes out again later.
            b->reissue.push_back(index);
            b->stalled = true;
            return;
        }
        // The session is going away: its other waiters fail too; send
        // nothing more on it (on_closed follows).
        if (ec == session::session_errc::session_closed) b->bound = false;
        ++report_.sent;
        last_response_ = now;
        if (ec) {
            const auto word = error_word(ec);
            ++report_.errors[word];
            ack_line(index, b->number, 0, word, "");
        } else {
            ++report_.responses;
            report_.latency.record(now - t0);
            latency_line(t0, now);
            ++report_.statuses[static_cast<std::uint32_t>(p.status)];
            std::string message_id;
            if (const auto* r = p.as<protocol::SubmitSmResp>()) message_id = r->message_id;
            if (p.status == protocol::command_status::ESME_ROK) ++report_.rok;
            char status[16];
            std::snprintf(status, sizeof status, "%08x", static_cast<unsigned>(p.status));
            ack_line(index, b->number, p.sequence_number, status, message_id);
        }
        if (closed_loop() && b->bound && started()) fill(b);
    }

    void fill(const std::shared_ptr<Bind>& b) {
        if (!started() || finishing_ || shared_.hard_stop.load(std::memory_order_relaxed)) return;
        while (b->bound && !b->stalled && b->session && b->outstanding < settings_.window)
            if (!send_one(b)) return;
    }

    void ack_line(std::uint64_t index, unsigned bind, std::uint32_t seq, std::string_view status,
                  std::string_view message_id) {
        if (!shared_.acks) return;
        acks_ += std::to_string(index);
        acks_ += ' ';
        acks_ += std::to_string(bind);
        acks_ += ' ';
        acks_ += std::to_string(seq);
        acks_ += ' ';
        acks_ += status;
        acks_ += ' ';
        acks_ += message_id.empty() ? std::string_view("-") : message_id;
        acks_ += '\n';
        flush_acks(false);
    }

    // "<ms from the start to the send> <latency us>": when in the run the
    // slow answers came (a stall hits every message in flight at once).
    void latency_line(clock::time_point sent, clock::time_point answered) {
        if (!shared_.latency_log) return;
        const auto at_us = std::chrono::duration_cast<std::chrono::microseconds>(sent - shared_.start).count();
        const auto took_us = std::chrono::duration_cast<std::chrono::microseconds>(answered - sent).count();
        char line[64];
        const int n = std::snprintf(line, sizeof line, "%.3f %lld\n", static_cast<double>(at_us) / 1000.0,
                                    static_cast<long long>(took_us));
        latencies_.append(line, static_cast<std::size_t>(n));
        flush_acks(false);
    }

    void flush_acks(bool all) {
        const bool acks = shared_.acks && !acks_.empty() && (all || acks_.size() >= (64u << 10));
        const bool lat = shared_.latency_log && !latencies_.empty() && (all || latencies_.size() >= (64u << 10));
        if (!acks && !lat) return;
        std::lock_guard lock(shared_.acks_mutex);
        if (acks) std::fwrite(acks_.data(), 1, acks_.size(), shared_.acks), acks_.clear();
        if (lat) std::fwrite(latencies_.data(), 1, latencies_.size(), shared_.latency_log), latencies_.clear();
    }

    void schedule_tick() {
        tick_.expires_after(1ms);
        tick_.async_wait([this](boost::system::error_code ec) {
            if (ec) return;
            on_tick();
        });
    }

    void on_tick() {
        const auto now = clock::now();
        if (now >= shared_.hard_deadline && !shared_.hard_stop.exchange(true))
            spdlog::error("timeout: stopping with {} submit_sm unanswered on this thread", outstanding_);
        if (shared_.hard_stop.load()) {
            report_.timed_out = true;
            for (auto& b : binds_)
                if (b->session) b->session->close();
            // Closing fails every waiter; give that a moment, then stop.
            if (++hard_stop_ticks_ > 50) return io_.stop();
            return schedule_tick();
        }
        for (auto& b : binds_) b->stalled = false;
        if (started()) {
            if (settings_.duration.count() > 0 && now >= shared_.start + settings_.duration)
                shared_.stop_issuing.store(true);
            if (!closed_loop()) pace(now);
            else
                for (auto& b : binds_) fill(b);  // the first fill, and binds back after a reconnect
            const bool stopped = shared_.stop_issuing.load();
            const bool every_bind_down =
                std::all_of(binds_.begin(), binds_.end(), [](const auto& b) { return b->closed_for_good; });
            if (((stopped || (exhausted_ && all_reissued())) && outstanding_ == 0) || every_bind_down) finish();
        }
        if (finishing_ && std::all_of(binds_.begin(), binds_.end(), [](const auto& b) {
                return !b->session && !b->connecting;
            }))
            return io_.stop();
        schedule_tick();
    }

    bool all_reissued() const {
        return std::all_of(binds_.begin(), binds_.end(), [](const auto& b) { return b->reissue.empty(); });
    }

    // Open loop: a token bucket refilled from the clock, emptied round-robin
    // over the binds with room in their windows.
    void pace(clock::time_point now) {
        if (last_refill_ == clock::time_point{}) last_refill_ = shared_.start;
        tokens_ += rate_ * std::chrono::duration<double>(now - last_refill_).count();
        last_refill_ = now;
        if (tokens_ > burst_) {
            report_.missed_tokens += static_cast<std::uint64_t>(tokens_ - burst_);
            tokens_ = burst_;
        }
        if (finishing_) return;
        std::size_t idle = 0;
        while (tokens_ >= 1.0 && idle < binds_.size()) {
            auto& b = binds_[next_bind_++ % binds_.size()];
            if (!b->bound || b->stalled || !b->session || b->outstanding >= settings_.window) {
                ++idle;
                continue;
            }
            if (!send_one(b)) return;
            tokens_ -= 1.0;
            idle = 0;
        }
    }

    void finish() {
        if (finishing_) return;
        finishing_ = true;
        for (auto& b : binds_) {
            if (b->session && b->bound) b->session->unbind();
            else if (b->session) b->session->close();
        }
    }

    Shared& shared_;
    const BenchSettings& settings_;
    // Declared before the binds so handlers it still holds die first.
    asio::io_context io_{1};
    asio::steady_timer tick_;
    std::vector<std::shared_ptr<Bind>> binds_;
    double rate_ = 0;
    double burst_ = 1;
    double tokens_ = 0;
    clock::time_point last_refill_{};
    std::size_t next_bind_ = 0;
    std::uint64_t outstanding_ = 0;
    bool exhausted_ = false;
    bool finishing_ = false;
    int hard_stop_ticks_ = 0;
    std::string acks_;
    std::string latencies_;

public:
    clock::time_point first_send_{};
    clock::time_point last_response_{};

private:
    BenchReport report_;
};

void BindHandler::on_request(session::Session& s, protocol::Pdu&& request) {
    auto b = bind_.lock();
    if (request.id() == protocol::command_id::deliver_sm) {
        if (b) b->worker.on_receipt();
        return s.respond(protocol::make_response(request.id(), request.sequence_number));
    }
    SessionHandler::on_request(s, std::move(request));
}

void BindHandler::on_closed(session::Session&, session::close_reason reason) {
    if (auto b = bind_.lock()) b->worker.on_closed(b, reason);
}

}  // namespace

std::string BenchSettings::validate() const {
    if (system_id.empty()) return "system_id is required";
    if (binds == 0) return "binds must be >= 1";
    if (threads == 0) return "threads must be >= 1";
    if (window == 0) return "window must be >= 1";
    if (count == 0 && duration.count() <= 0) return "set a message count, a duration, or both";
    if (timeout.count() <= 0) return "timeout must be > 0";
    if (rate < 0) return "rate must be >= 0";
    if (destination.prefix.size() + destination.digits > 20) return "destination prefix + digits must fit 20 characters";
    if (payload && parts > 1) return "payload and parts do not go together";
    if (payload && length > 4000) return "length must be at most 4000 with payload";
    if (!payload && length > protocol::limits::short_message) return "length must be at most 254 (more with --payload)";
    if (parts < 1 || parts > 255) return "parts must be between 1 and 255";
    if (parts > 1 && length > protocol::limits::short_message - 6) return "length must be at most 248 with parts (the UDH takes 6)";
    return {};
}

double BenchReport::throughput() const noexcept {
    const double s = std::chrono::duration<double>(elapsed).count();
    return s > 0 ? static_cast<double>(rok) / s : 0;
}

double BenchReport::response_rate() const noexcept {
    const double s = std::chrono::duration<double>(elapsed).count();
    return s > 0 ? static_cast<double>(responses) / s : 0;
}

void BenchReport::merge(const BenchReport& o) {
    binds_bound += o.binds_bound;
    bind_failures += o.bind_failures;
    reconnects += o.reconnects;
    sent += o.sent;
    responses += o.responses;
    rok += o.rok;
    for (const auto& [k, v] : o.statuses) statuses[k] += v;
    for (const auto& [k, v] : o.errors) errors[k] += v;
    receipts += o.receipts;
    missed_tokens += o.missed_tokens;
    timed_out = timed_out || o.timed_out;
    latency.merge(o.latency);
}

BenchReport run_load(const BenchSettings& settings) {
    Shared shared(settings);
    shared.hard_deadline = clock::now() + settings.timeout;
    if (!settings.acks_file.empty()) {
        shared.acks = std::fopen(settings.acks_file.c_str(), "w");
        if (!shared.acks) throw std::runtime_error("cannot write " + settings.acks_file);
    }
    if (!settings.latency_log_file.empty()) {
        shared.latency_log = std::fopen(settings.latency_log_file.c_str(), "w");
        if (!shared.latency_log) throw std::runtime_error("cannot write " + settings.latency_log_file);
    }

    const unsigned threads = std::min(settings.threads, settings.binds);
    std::vector<std::unique_ptr<Worker>> workers;
    unsigned first = 0;
    for (unsigned t = 0; t < threads; ++t) {
        const unsigned n = settings.binds / threads + (t < settings.binds % threads ? 1 : 0);
        workers.push_back(std::make_unique<Worker>(shared, first, n, settings.rate * n / settings.binds));
        first += n;
    }
    std::vector<std::thread> running;
    for (auto& w : workers) running.emplace_back([&w] { w->run(); });

    // The clock starts once every bind has bound or failed once, so
    // connecting does not count against the duration or the throughput.
    while (shared.binds_settled.load() < settings.binds && clock::now() < shared.hard_deadline)
        std::this_thread::sleep_for(1ms);
    shared.start = clock::now();
    shared.started.store(true, std::memory_order_release);
    // Closed loop: the first fill happens here, on each bind's next tick or response.
    for (auto& t : running) t.join();

    BenchReport report;
    clock::time_point first_send{}, last_response{};
    for (auto& w : workers) {
        report.merge(w->report());
        if (w->first_send_ != clock::time_point{} && (first_send == clock::time_point{} || w->first_send_ < first_send))
            first_send = w->first_send_;
        last_response = std::max(last_response, w->last_response_);
    }
    if (first_send != clock::time_point{} && last_response > first_send) report.elapsed = last_response - first_send;
    if (shared.acks) std::fclose(shared.acks);
    if (shared.latency_log) std::fclose(shared.latency_log);
    return report;
}

}  // namespace smpp::bench
