#pragma once
// An SMSC for the carrier tests, built from our own session::Listener on
// 127.0.0.1 (port 0), and one io_context pumped by the test thread, so
// every callback of the carrier and the SMSC runs on it without locks. The
// SMSC records what a carrier's operator would see: bind attempts, every
// submit with its arrival time, and the most submits outstanding per bind.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "smpp/carrier/carrier.hpp"
#include "smpp/session/listener.hpp"
#include "smpp/session/session.hpp"

namespace smpp::carrier::test {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using protocol::command_status;

struct Loop {
    boost::asio::io_context ioc;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{ioc.get_executor()};

    // Runs handlers until pred holds; false after the timeout.
    template <class Pred>
    bool run_until(Pred pred, std::chrono::milliseconds timeout = 3s) {
        const auto deadline = clock_type::now() + timeout;
        while (!pred()) {
            if (clock_type::now() >= deadline) return false;
            ioc.run_for(1ms);
        }
        return true;
    }
    void run_for(std::chrono::milliseconds d) {
        const auto deadline = clock_type::now() + d;
        while (clock_type::now() < deadline) ioc.run_for(1ms);
    }
};

struct SubmitSeen {
    clock_type::time_point at;
    std::string text;
    const session::Session* bind;
    protocol::SubmitSm pdu;  // as it came
};

class TestSmsc {
public:
    // Behaviour, set before the carrier binds.
    std::string password = "pw01";
    bool answer = true;                       // false: never answer a submit (response_timeout)
    int throttle_first = 0;                   // answer the first N submits ESME_RTHROTTLED
    bool throttle_by_nack = false;            // ... in a generic_nack instead of a submit_sm_resp
    std::chrono::milliseconds answer_delay{0};
    bool empty_message_ids = false;  // answer ESME_ROK with an empty message_id (seen in the wild)
    // When set, the delay for this submit instead of answer_delay.
    std::function<std::chrono::milliseconds(const protocol::SubmitSm&)> delay_for{};
    // A submit it holds true for is answered with this status instead (a
    // permanent one: the carrier refuses that message for good).
    std::function<bool(const protocol::SubmitSm&)> reject_if{};
    command_status reject_status = command_status::ESME_RINVDSTADR;
    // Binds of these types are refused (ESME_RBINDFAIL): a carrier's
    // transmitters down while its receiver is bound.
    std::set<session::bind_type> refuse_bind_types{};

    // What it saw.
    int bind_attempts = 0;
    int binds = 0;
    std::vector<SubmitSeen> submits;       // every submit_sm, throttled ones too
    std::vector<std::string> accepted;     // texts answered ESME_ROK, in order
    std::map<const session::Session*, std::uint32_t> outstanding;
    std::uint32_t max_outstanding = 0;

    // With `tls`, every connection runs a TLS handshake first.
    explicit TestSmsc(Loop& loop, std::shared_ptr<boost::asio::ssl::context> tls = nullptr) : loop_(loop) {
        session::SessionSettings s;
        s.system_id = "test-smsc";
        s.enquire_link_interval = 0ms;
        s.response_timeout = 1s;
        s.bind_timeout = 1s;
        s.unbind_timeout = 200ms;
        listener_ = session::Listener::create(
            loop.ioc.get_executor(), {boost::asio::ip::address_v4::loopback(), 0}, s,
            [this](const boost::asio::ip::tcp::endpoint&) { return std::make_shared<Handler>(*this); });
        if (tls) listener_->set_tls(std::move(tls));
        listener_->start();
    }

    std::uint16_t port() const { return listener_->local_endpoint().port(); }
    std::vector<std::shared_ptr<session::Session>> sessions() const { return listener_->sessions(); }

    // From another thread than the one running the loop.
    void stop_async(std::function<void()> done) { listener_->stop(std::move(done)); }

    void stop() {
        bool done = false;
        listener_->stop([&] { done = true; });
        loop_.run_until([&] { return done; }, 2s);
    }

private:
    class Handler final : public session::SessionHandler {
    public:
        explicit Handler(TestSmsc& smsc) : smsc_(smsc) {}
        void on_bind_request(session::Session&, const session::BindRequest& r, session::BindVerdict v) override {
            ++smsc_.bind_attempts;
            if (smsc_.refuse_bind_types.contains(r.type)) return v(command_status::ESME_RBINDFAIL);
            v(r.password == smsc_.password ? command_status::ESME_ROK : command_status::ESME_RINVPASWD);
        }
        void on_bound(session::Session&) override { ++smsc_.binds; }
        void on_request(session::Session& s, protocol::Pdu&& p) override {
            auto* sm = p.as<protocol::SubmitSm>();
            if (!sm) return SessionHandler::on_request(s, std::move(p));
            smsc_.submits.push_back({clock_type::now(), sm->short_message, &s, *sm});
            auto& n = smsc_.outstanding[&s];
            smsc_.max_outstanding = std::max(smsc_.max_outstanding, ++n);
            if (!smsc_.answer) return;
            auto status = command_status::ESME_ROK;
            if (smsc_.throttle_first > 0) {
                --smsc_.throttle_first;
                status = command_status::ESME_RTHROTTLED;
            } else if (smsc_.reject_if && smsc_.reject_if(*sm)) {
                status = smsc_.reject_status;
            }
            auto resp = protocol::make_response(p.id(), p.sequence_number, status);
            if (status == command_status::ESME_RTHROTTLED && smsc_.throttle_by_nack)
                resp = protocol::make_response(protocol::command_id::generic_nack, p.sequence_number, status);
            if (status == command_status::ESME_ROK) {
                // message_id is at most 64 octets: a long text gets a numbered id.
                // A UDH (binary, NULs too) is left out of it.
                std::string_view text = sm->short_message;
                if ((sm->esm_class & 0x40) != 0 && !text.empty())
                    text.remove_prefix(std::min<std::size_t>(text.size(), 1 + static_cast<std::uint8_t>(text[0])));
                resp.as<protocol::SubmitSmResp>()->message_id =
                    smsc_.empty_message_ids ? std::string()
                    : text.size() <= 60     ? "id-" + std::string(text)
                                            : "id-long-" + std::to_string(smsc_.submits.size());
                smsc_.accepted.push_back(sm->short_message);
            }
            auto sp = s.shared_from_this();
            const auto delay = smsc_.delay_for ? smsc_.delay_for(*sm) : smsc_.answer_delay;
            if (delay.count() == 0) return respond(sp, std::move(resp));
            auto timer = std::make_shared<boost::asio::steady_timer>(s.get_executor(), delay);
            timer->async_wait([this, timer, sp, resp = std::move(resp)](boost::system::error_code) mutable {
                respond(sp, std::move(resp));
            });
        }

    private:
        void respond(const std::shared_ptr<session::Session>& s, protocol::Pdu resp) {
            --smsc_.outstanding[s.get()];
            s->respond(std::move(resp));
        }
        TestSmsc& smsc_;
    };

    Loop& loop_;
    std::shared_ptr<session::Listener> listener_;
};

// Fast timers: every duration in tens or hundreds of milliseconds.
inline CarrierSettings test_settings(std::uint16_t port) {
    CarrierSettings c;
    c.id = "test";
    c.endpoints = {{"127.0.0.1", port}};
    c.system_id = "c01";
    c.password = "pw01";
    c.binds = 1;
    c.window = 5;
    c.max_tps = 10'000;
    c.enquire_link_interval = 0ms;
    c.response_timeout = 300ms;
    c.bind_timeout = 500ms;
    c.connect_timeout = 500ms;
    c.reconnect = {20ms, 100ms, 0.0};
    c.max_failed_binds = 3;
    c.hold_off = 60s;
    return c;
}

inline protocol::SubmitSm submit_sm(std::string text) {
    protocol::SubmitSm s;
    s.source = {1, 1, "447700900999"};  // possible numbers: the connector validates both
    s.dest = {1, 1, "4915112345678"};
    s.short_message = std::move(text);
    return s;
}

// Outcomes by submit, in the order they came.
struct Outcomes {
    std::vector<std::pair<std::string, SubmitOutcome>> got;

    SubmitCallback record(std::string id) {
        return [this, id = std::move(id)](SubmitOutcome o) { got.emplace_back(id, std::move(o)); };
    }
    template <class T>
    std::size_t count() const {
        std::size_t n = 0;
        for (const auto& [id, o] : got) n += std::holds_alternative<T>(o) ? 1 : 0;
        return n;
    }
};

inline void submit(Carrier& c, Outcomes& out, std::string text, message_class cls = message_class::bulk) {
    c.submit(SubmitRequest{text, cls, submit_sm(text)}, out.record(text));
}

inline bool all_bound(const Carrier& c) {
    auto s = c.snapshot();
    for (const auto& b : s.binds)
        if (b.state != bind_state::bound) return false;
    return !s.binds.empty();
}

inline void stop(Loop& loop, Carrier& c) {
    bool done = false;
    c.stop([&] { done = true; });
    loop.run_until([&] { return done; }, 3s);
}

}  // namespace smpp::carrier::test
