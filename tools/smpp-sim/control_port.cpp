#include "tools/smpp-sim/control_port.hpp"

#include <charconv>
#include <mutex>
#include <set>

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

namespace smpp::sim {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t max_line = 64 * 1024;

std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        std::size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
        if (j > i) words.push_back(line.substr(i, j - i));
        i = j;
    }
    return words;
}

// The rest of the line after the first `skip` words, spaces kept (MO text).
std::string_view rest_after(std::string_view line, std::size_t skip) {
    std::size_t i = 0;
    for (std::size_t w = 0; w < skip; ++w) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    }
    if (i < line.size()) ++i;  // exactly one separator: the text keeps its own spaces
    return line.substr(std::min(i, line.size()));
}

ControlAnswer ok(std::string s = {}) { return {"ok" + (s.empty() ? "" : " " + s) + "\n"}; }
ControlAnswer error(std::string why) { return {"error " + why + "\n"}; }

// The carriers a name selects: one by name, or all for "*".
Carriers select(const Carriers& all, std::string_view name, bool allow_all) {
    if (allow_all && name == "*") return all;
    for (const auto& c : all)
        if (c->name() == name) return {c};
    return {};
}

ControlAnswer execute_chaos(const Carriers& carriers, std::span<const std::string_view> words, ChaosSchedule* chaos) {
    if (!chaos) return error("chaos needs the simulator's schedule (not available here)");
    constexpr const char* usage = "usage: chaos <carrier> <duration: 20s|1500ms|2m> <fault words> | chaos <carrier> off | chaos list";
    if (words.size() == 2 && words[1] == "list") {
        auto running = chaos->active();
        std::string out;
        for (const auto& r : running) out += (out.empty() ? "" : "; ") + r;
        return ok(out.empty() ? "none" : out);
    }
    if (words.size() < 3) return error(usage);
    auto targets = select(carriers, words[1], false);
    if (targets.empty()) return error("unknown carrier '" + std::string(words[1]) + "'");
    const auto& carrier = targets.front();
    if (words.size() == 3 && words[2] == "off") {
        auto back = chaos->stop(carrier->name());
        if (!back) return error("no chaos on " + carrier->name());
        return ok("chaos " + carrier->name() + " ended now, faults back to " + *back);
    }
    auto duration = parse_chaos_duration(words[2]);
    if (!duration) return error("duration must be like 20s, 1500ms or 2m (1 ms to 24 h), not '" + std::string(words[2]) + "'");
    if (words.size() < 4) return error(usage);
    auto started = chaos->start(carrier, *duration, words.subspan(3));
    if (auto* e = std::get_if<std::string>(&started)) return error(*e);
    const auto& s = std::get<ChaosSchedule::Started>(started);
    return ok("chaos " + carrier->name() + " " + s.plan + " for " + std::to_string(s.duration.count()) +
              " ms until " + utc_text(s.until) + ", then back to " + s.back_to);
}

}  // namespace

ControlAnswer execute_control_line(const Carriers& carriers, std::string_view line, ChaosSchedule* chaos) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto words = split(line);
    if (words.empty()) return error("empty command");
    const auto cmd = words[0];

    if (cmd == "quit") return {"ok bye\n", true};
    if (cmd == "chaos") return execute_chaos(carriers, words, chaos);
    if (cmd == "list") {
        std::string out;
        for (const auto& c : carriers) out += (out.empty() ? "" : " ") + c->name() + "=" + std::to_string(c->port());
        return ok(out);
    }

    const bool takes_all = cmd == "fault" || cmd == "clear";
    const bool known = takes_all || cmd == "faults" || cmd == "mo" || cmd == "stats" || cmd == "received";
    if (!known) return error("unknown command '" + std::string(cmd) + "' (fault, clear, faults, chaos, mo, stats, received, list, quit)");
    if (words.size() < 2) return error("missing carrier name");
    auto targets = select(carriers, words[1], takes_all);
    if (targets.empty()) return error("unknown carrier '" + std::string(words[1]) + "'");

    if (cmd == "fault") {
        std::span<const std::string_view> fault_words(words.data() + 2, words.size() - 2);
        // Check on a scratch plan first, so "*" changes all carriers or none.
        FaultPlan scratch;
        if (auto e = apply_fault(scratch, fault_words); !e.empty()) return error(e);
        for (const auto& c : targets) c->apply_fault(fault_words);
        return ok(targets.size() == 1 ? describe(targets.front()->faults())
                                      : std::to_string(targets.size()) + " carriers");
    }
    if (cmd == "clear") {
        if (words.size() != 2) return error("usage: clear <carrier|*>");
        for (const auto& c : targets) c->clear_faults();
        return ok();
    }
    const auto& carrier = targets.front();
    if (cmd == "faults") return ok(describe(carrier->faults()));
    if (cmd == "stats") return ok(to_json(carrier->stats(), carrier->name()));
    if (cmd == "received") {
        std::size_t n = 10;
        if (words.size() > 3) return error("usage: received <carrier> [n]");
        if (words.size() == 3) {
            auto w = words[2];
            auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), n);
            if (ec != std::errc{} || end != w.data() + w.size()) return error("n must be a non-negative integer");
        }
        auto records = carrier->received(n);
        ControlAnswer a = ok(std::to_string(records.size()));
        for (const auto& r : records) a.text += to_json(r) + "\n";
        return a;
    }
    // mo <carrier> <from> <to> <text>
    if (words.size() < 4) return error("usage: mo <carrier> <from> <to> <text>");
    for (auto addr : {words[2], words[3]})
        if (addr.size() >= protocol::limits::address) return error("address must be at most 20 characters");
    auto text = rest_after(line, 4);
    if (text.size() > protocol::limits::short_message) return error("text must be at most 254 octets");
    protocol::Address from{1, 1, std::string(words[2])};
    protocol::Address to{1, 1, std::string(words[3])};
    if (!carrier->send_mo(from, to, std::string(text))) return error("no receiver bind on " + carrier->name());
    return ok();
}

struct ControlPort::Impl : std::enable_shared_from_this<ControlPort::Impl> {
    Impl(asio::any_io_executor e, const tcp::endpoint& at, Carriers c, std::function<void()> q)
        : ex(std::move(e)), strand(asio::make_strand(ex)), acceptor(strand, at), carriers(std::move(c)),
          on_quit(std::move(q)), chaos(ChaosSchedule::create(ex)) {}

    struct Connection : std::enable_shared_from_this<Connection> {
        Connection(tcp::socket s, std::shared_ptr<Impl> o) : socket(std::move(s)), buf(max_line), owner(std::move(o)) {}
        tcp::socket socket;
        asio::streambuf buf;
        std::string answer;
        std::shared_ptr<Impl> owner;

        void read() {
            asio::async_read_until(socket, buf, '\n', [self = shared_from_this()](boost::system::error_code ec,
                                                                                  std::size_t n) {
                if (ec == asio::error::not_found) {
                    self->answer = "error line too long\n";
                    return self->write(false, true);
                }
                if (ec) return;
                std::string line(asio::buffers_begin(self->buf.data()),
                                 asio::buffers_begin(self->buf.data()) + static_cast<std::ptrdiff_t>(n) - 1);
                self->buf.consume(n);
                auto a = execute_control_line(self->owner->carriers, line, self->owner->chaos.get());
                self->answer = std::move(a.text);
                self->write(a.quit, false);
            });
        }
        void write(bool quit, bool close_after) {
            asio::async_write(socket, asio::buffer(answer),
                              [self = shared_from_this(), quit, close_after](boost::system::error_code ec, std::size_t) {
                                  if (quit && self->owner->on_quit) self->owner->on_quit();
                                  if (ec || quit || close_after) {
                                      boost::system::error_code ignored;
                                      self->socket.close(ignored);
                                      return;
                                  }
                                  self->read();
                              });
        }
    };

    void accept() {
        acceptor.async_accept(asio::make_strand(ex), [self = shared_from_this()](boost::system::error_code ec,
                                                                                tcp::socket socket) {
            if (ec) return;  // stopped
            std::make_shared<Connection>(std::move(socket), self)->read();
            self->accept();
        });
    }

    asio::any_io_executor ex;
    asio::strand<asio::any_io_executor> strand;
    tcp::acceptor acceptor;
    Carriers carriers;
    std::function<void()> on_quit;
    std::shared_ptr<ChaosSchedule> chaos;
};

std::shared_ptr<ControlPort> ControlPort::create(asio::any_io_executor ex, const tcp::endpoint& at, Carriers carriers,
                                                 std::function<void()> on_quit) {
    return std::shared_ptr<ControlPort>(
        new ControlPort(std::make_shared<Impl>(std::move(ex), at, std::move(carriers), std::move(on_quit))));
}

void ControlPort::start() {
    asio::dispatch(impl_->strand, [impl = impl_] { impl->accept(); });
}

void ControlPort::stop() {
    asio::dispatch(impl_->strand, [impl = impl_] {
        boost::system::error_code ignored;
        impl->acceptor.close(ignored);
        // A stopping simulator leaves no chaos timer behind.
        impl->chaos->stop_all();
    });
}

tcp::endpoint ControlPort::local_endpoint() const { return impl_->acceptor.local_endpoint(); }

}  // namespace smpp::sim
