// smppctl: the operators' tool. `route lookup` and `route explain` read the
// route table a running smpp-connector publishes in shared memory (the same
// bytes its forward path selects from); `route check` validates a table
// file before it is deployed. `binds`, `stats`, `health`, `reload`, `message` and
// `receipts replay|unmatched|raw` ask a running connector over its admin socket; `chaos` degrades a
// simulated carrier (smpp-sim's control port) for a while.
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <CLI/CLI.hpp>

#include "conf/carrier_config.hpp"
#include "conf/config_error.hpp"
#include "routing/route_table.hpp"
#include "routing/router.hpp"
#include "smpp/relay/message_router.hpp"

namespace {

using namespace smpp;

// Exit codes (also in --help).
constexpr int exit_ok = 0;
constexpr int exit_refused = 1;      // the connector / simulator answered with an error
constexpr int exit_usage = 2;        // bad arguments
constexpr int exit_unreachable = 4;  // no admin socket / control port, or nobody answers on it

constexpr const char* exit_codes_text =
    "Exit codes: 0 ok; 1 the connector (or simulator) refused: its error is printed (an unknown message id "
    "too), or no route table is published; 2 bad arguments; 3 no route (route lookup/explain); 4 cannot reach "
    "the connector's admin socket or the simulator's control port (not running, wrong --port/--socket/--sim, "
    "permissions).";

struct Reply {
    int code = exit_ok;
    std::string text;  // the whole answer, or why it could not be had
};

// Writes one request line, reads until the peer closes (the admin socket
// answers once) or, with `lines_until_ok`, until one full line came (the
// simulator's control port keeps the connection open). Bounded by a 10 s
// receive timeout.
Reply exchange(int fd, const std::string& request, bool one_line) {
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const std::string line = request + "\n";
    if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
        ::close(fd);
        return {exit_unreachable, std::string("cannot send the request: ") + std::strerror(errno)};
    }
    Reply r;
    char buf[8192];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0) break;
        if (n < 0) {
            const bool timeout = errno == EAGAIN || errno == EWOULDBLOCK;
            ::close(fd);
            return {exit_unreachable, timeout ? "no answer within 10 s" : std::string("read: ") + std::strerror(errno)};
        }
        r.text.append(buf, static_cast<std::size_t>(n));
        if (one_line && r.text.find('\n') != std::string::npos) break;
    }
    ::close(fd);
    if (r.text.empty()) return {exit_unreachable, "the connection closed without an answer"};
    return r;
}

Reply ask_admin(const std::string& path, const std::string& request) {
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path) return {exit_usage, "socket path too long: " + path};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return {exit_unreachable, std::string("socket: ") + std::strerror(errno)};
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int e = errno;
        ::close(fd);
        if (e == ENOENT)
            return {exit_unreachable, "no admin socket at " + path +
                                          " (is smpp-connector running with that listener port? else give --socket)"};
        if (e == ECONNREFUSED)
            return {exit_unreachable, "nothing answers on " + path + " (smpp-connector is not running: a stale socket)"};
        if (e == EACCES)
            return {exit_unreachable, "permission denied on " + path + " (mode 0600: run as the connector's user)"};
        return {exit_unreachable, "cannot connect to " + path + ": " + std::strerror(e)};
    }
    return exchange(fd, request, false);
}

// "4321" or "host:4321".
Reply ask_sim(const std::string& where, const std::string& request) {
    std::string host = "127.0.0.1", port = where;
    if (auto colon = where.rfind(':'); colon != std::string::npos) {
        host = where.substr(0, colon);
        port = where.substr(colon + 1);
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || !found)
        return {exit_usage, "--sim must be PORT or HOST:PORT, not '" + where + "'"};
    int fd = -1;
    int e = 0;
    for (auto* a = found; a && fd < 0; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            e = errno;
            ::close(fd);
            fd = -1;
        }
    }
    ::freeaddrinfo(found);
    if (fd < 0)
        return {exit_unreachable, "cannot reach smpp-sim's control port at " + host + ":" + port + ": " +
                                      std::strerror(e) + " (is smpp-sim running? its log says 'control <port>')"};
    return exchange(fd, request, true);
}

// An answer "ok ..." prints without its "ok " (exit 0); "error ..." goes to
// stderr (exit 1).
int print_reply(const Reply& r, const char* peer) {
    if (r.code != exit_ok) {
        std::fprintf(stderr, "smppctl: %s\n", r.text.c_str());
        return r.code;
    }
    if (r.text.rfind("ok", 0) == 0) {
        std::string out = r.text.substr(r.text.size() > 2 && r.text[2] == ' ' ? 3 : 2);
        if (!out.empty() && out.front() == '\n') out.erase(0, 1);
        std::fputs(out.c_str(), stdout);
        return exit_ok;
    }
    std::string why = r.text.rfind("error ", 0) == 0 ? r.text.substr(6) : r.text;
    std::fprintf(stderr, "smppctl: %s: %s", peer, why.c_str());
    if (why.empty() || why.back() != '\n') std::fputc('\n', stderr);
    return exit_refused;
}

struct RouteQuery {
    std::string ns = "smpp-connector-2775";
    std::string number;
    std::string traffic_class = "transactional";
    std::string source = "SENDER";
    unsigned ton = 5;
    unsigned data_coding = 0;
    std::string profile;
    unsigned segments = 1;
    bool message_payload = false;
    std::string carriers_file;  // its carriers' capabilities apply, as in the connector
};

int select(const RouteQuery& q, bool explain) {
    auto digits = routing::normalise_e164(q.number);
    if (!digits) {
        std::fprintf(stderr, "smppctl: '%s' is not a phone number (digits, optional + or 00 prefix)\n",
                     q.number.c_str());
        return 2;
    }
    auto cls = routing::parse_traffic_class(q.traffic_class);
    if (!cls) {
        std::fprintf(stderr, "smppctl: --class must be otp, transactional or bulk\n");
        return 2;
    }
    routing::SelectorSettings settings;
    if (!q.carriers_file.empty()) {
        try {
            settings.capabilities = relay::capabilities_of(conf::load_carrier_config(q.carriers_file));
        } catch (const conf::ConfigError& e) {
            std::fprintf(stderr, "smppctl: %s\n", e.what());
            return 2;
        }
    }
    routing::NoHealth health;
    auto router = routing::Router::open(q.ns, settings, health);
    if (!router) {
        std::fprintf(stderr, "smppctl: no route table published under '%s' (is smpp-connector running?): %s\n",
                     q.ns.c_str(), router.error().message.c_str());
        return 1;
    }
    routing::SelectRequest request;
    request.destination = *digits;
    request.traffic_class = *cls;
    request.source_addr = q.source;
    request.source_addr_ton = static_cast<std::uint8_t>(q.ton);
    request.data_coding = static_cast<std::uint8_t>(q.data_coding);
    request.profile = q.profile;
    request.segments = static_cast<std::uint8_t>(q.segments);
    request.message_payload = q.message_payload;
    request.now = std::chrono::system_clock::now();
    auto d = router->select(request);
    if (router->last_error()) std::fprintf(stderr, "smppctl: warning: %s\n", router->last_error()->message.c_str());
    if (explain) {
        std::printf("%s\n", routing::explain(d).c_str());
    } else if (d.routed()) {
        for (std::size_t i = 0; i < d.carriers.size(); ++i) std::printf("%s%s", i ? " " : "", d.carriers[i].c_str());
        std::printf("\n");
    } else {
        std::printf("no route: %s\n", d.error.c_str());
    }
    return d.routed() ? 0 : 3;
}

int check(const std::string& file, const std::vector<std::string>& carriers) {
    routing::CarrierSet known(carriers.begin(), carriers.end());
    auto table = routing::load_routes(file, known);
    if (!table) {
        std::fprintf(stderr, "%s\n", table.error().message.c_str());
        return 1;
    }
    std::size_t candidates = 0;
    for (const auto& e : table->entries) candidates += e.candidates.size();
    std::printf("%s: OK (%zu prefixes, %zu candidates)\n", file.c_str(), table->entries.size(), candidates);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"smppctl: operate a running smpp-connector"};
    app.footer(exit_codes_text);
    app.require_subcommand(1);

    // The connector's admin socket: --socket, or derived from --port as the
    // connector names it (var/smpp-connector-<port>.sock, from its working directory).
    std::string socket_path;
    unsigned port = 2775;
    auto add_target = [&](CLI::App* cmd) {
        cmd->add_option("--socket", socket_path, "the connector's admin socket (config admin.socket)");
        cmd->add_option("--port", port, "the connector's listener port: the socket is var/smpp-connector-<port>.sock")
            ->capture_default_str();
    };
    auto* binds = app.add_subcommand("binds", "every carrier's binds: state, since, endpoint, window, last error");
    add_target(binds);
    auto* stats = app.add_subcommand("stats", "counters since start: the forward path, receipts and MOs, the "
                                              "ledger's writes and journal, each account's backlog");
    add_target(stats);
    std::string health_carrier, health_country;
    auto* health = app.add_subcommand("health", "circuits per carrier x country: state per class, error and "
                                                "delivery rates, latency, ramp stage");
    health->add_option("carrier", health_carrier, "only this carrier");
    health->add_option("country", health_country, "only this country (ISO code, e.g. GB)");
    add_target(health);
    auto* reload = app.add_subcommand("reload", "load the route table again (as SIGHUP); prints ok or file:line");
    add_target(reload);
    std::string message_id, message_carrier;
    auto* message = app.add_subcommand(
        "message", "one message's ledger record: addresses, segments, cost, route and reason, every attempt, "
                   "receipt state, timestamps: smppctl message <our id> | smppctl message --carrier C <their id>");
    message->add_option("id", message_id, "our message id (as submit_sm_resp gave it), or with --carrier the "
                                          "carrier's message id")
        ->required();
    message->add_option("--carrier", message_carrier, "the id is this carrier's (its submit_sm_resp or receipt id)");
    add_target(message);

    std::string replay_since, replay_carrier;
    std::size_t replay_limit = 10'000;
    auto* receipts = app.add_subcommand("receipts", "carrier receipts the ledger kept");
    receipts->require_subcommand(1);
    auto* replay = receipts->add_subcommand(
        "replay", "replay the raw receipts kept since a time through the connector's current parser and carrier-ID "
                  "settings (after a parser fix or an id_translation change): unmatched ones find their message, "
                  "ones already applied are absorbed, none reaches the upstream twice");
    replay->add_option("--since", replay_since, "2h, 90m, 7d back from now, or UTC 2026-11-23T10:00:00Z")->required();
    replay->add_option("--carrier", replay_carrier, "only this carrier's receipts");
    replay->add_option("--limit", replay_limit, "raw receipts read at most (the reply says where to go on)")
        ->capture_default_str()
        ->check(CLI::Range(1, 100'000));
    add_target(replay);
    std::string list_since, list_carrier;
    std::size_t list_limit = 100;
    auto* unmatched = receipts->add_subcommand(
        "unmatched", "receipts parked for a carrier message id no message has (yet): the receipt that beat its "
                     "submit_sm_resp, or one whose id the carrier writes differently (see id_translation)");
    unmatched->add_option("--carrier", list_carrier, "the carrier")->required();
    unmatched->add_option("--limit", list_limit, "at most this many")->capture_default_str()->check(CLI::Range(1, 1000));
    add_target(unmatched);
    auto* raw = receipts->add_subcommand(
        "raw", "every receipt as the carrier sent it, oldest first, kept after its parking expired");
    raw->add_option("--since", list_since, "2h, 90m, 7d back from now, or UTC 2026-11-23T10:00:00Z")->required();
    raw->add_option("--carrier", list_carrier, "only this carrier's receipts");
    raw->add_option("--limit", list_limit, "at most this many")->capture_default_str()->check(CLI::Range(1, 1000));
    add_target(raw);

    std::string sim_at, chaos_carrier, chaos_for = "30s", status = "0x08";
    std::optional<double> error_rate, receipt_loss, no_response;
    std::optional<unsigned> latency_ms;
    bool chaos_off = false, chaos_list = false;
    auto* chaos = app.add_subcommand(
        "chaos", "degrade a simulated carrier for a while, then it reverts by itself (smpp-sim's control port): "
                 "smppctl chaos c1 --sim 4321 --for 20s --error-rate 0.5 [--status 0x08] [--latency-ms 300] "
                 "[--receipt-loss 0.2] [--no-response 0.05]; --off ends it now; --list");
    chaos->add_option("carrier", chaos_carrier, "the simulated carrier's name");
    chaos->add_option("--sim", sim_at, "smpp-sim's control port: PORT or HOST:PORT")->required();
    chaos->add_option("--for", chaos_for, "how long: 20s, 1500ms, 2m")->capture_default_str();
    chaos->add_option("--error-rate", error_rate, "fraction of submit_sm answered with --status")
        ->check(CLI::Range(0.0, 1.0));
    chaos->add_option("--status", status, "the command_status of those answers (0x08 ESME_RSYSERR: transient)")
        ->capture_default_str();
    chaos->add_option("--latency-ms", latency_ms, "added before every submit_sm_resp")->check(CLI::Range(0u, 600000u));
    chaos->add_option("--receipt-loss", receipt_loss, "fraction of receipts never sent")->check(CLI::Range(0.0, 1.0));
    chaos->add_option("--no-response", no_response, "fraction of submit_sm never answered")
        ->check(CLI::Range(0.0, 1.0));
    chaos->add_flag("--off", chaos_off, "end the carrier's chaos now");
    chaos->add_flag("--list", chaos_list, "the chaos running and until when");
    auto* route = app.add_subcommand("route", "route tables: lookup, explain, check");
    route->require_subcommand(1);

    RouteQuery q;
    auto add_query = [&q](CLI::App* cmd) {
        cmd->add_option("number", q.number, "destination number (E.164, + or 00 allowed)")->required();
        cmd->add_option("--ns", q.ns, "the connector's route table namespace (smpp-connector-<listener port>)")
            ->capture_default_str();
        cmd->add_option("--class", q.traffic_class, "otp, transactional or bulk")->capture_default_str();
        cmd->add_option("--source", q.source, "source_addr")->capture_default_str();
        // Both are one octet in the PDU: 300 must be refused, not read as 44.
        cmd->add_option("--ton", q.ton, "source_addr_ton")->capture_default_str()->check(CLI::Range(0, 255));
        cmd->add_option("--coding", q.data_coding, "data_coding")->capture_default_str()->check(CLI::Range(0, 255));
        cmd->add_option("--profile", q.profile, "the account's routing profile");
        cmd->add_option("--segments", q.segments, "message parts")->capture_default_str()->check(CLI::Range(1, 255));
        cmd->add_flag("--payload", q.message_payload, "the message travels in message_payload");
        cmd->add_option("--carriers", q.carriers_file,
                        "the connector's carriers file: pass over carriers that take no message_payload or fewer "
                        "parts (accepts_message_payload, max_message_parts), as the connector does")
            ->check(CLI::ExistingFile);
    };
    auto* lookup = route->add_subcommand("lookup", "print the carriers a message would go to, in failover order");
    add_query(lookup);
    add_target(lookup);
    auto* explain = route->add_subcommand("explain", "why: the prefix, the policy, every skipped candidate");
    add_query(explain);
    add_target(explain);

    std::string file;
    std::vector<std::string> carriers;
    auto* check_cmd = route->add_subcommand("check", "validate a route table file (YAML or CSV)");
    check_cmd->add_option("file", file, "the table")->required()->check(CLI::ExistingFile);
    check_cmd->add_option("--carrier", carriers, "a carrier id the table may name (repeat)")->required();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? exit_ok : exit_usage;
    }
    // route lookup|explain: the connector's own answer (its policies, its
    // carriers' limits, its open circuits) when its admin socket answers;
    // else the table in shared memory read here, which knows none of those.
    if (*lookup || *explain) {
        auto* cmd = *lookup ? lookup : explain;
        const bool ns_given = cmd->count("--ns") > 0;
        if (!ns_given && cmd->count("--port")) q.ns = "smpp-connector-" + std::to_string(port);
        // The socket of the connector that publishes that namespace.
        if (socket_path.empty() && !cmd->count("--port") && q.ns.rfind("smpp-connector-", 0) == 0) {
            const std::string tail = q.ns.substr(std::string("smpp-connector-").size());
            if (!tail.empty() && tail.find_first_not_of("0123456789") == std::string::npos)
                socket_path = "var/smpp-connector-" + tail + ".sock";
        } else if (socket_path.empty() && cmd->count("--port")) {
            socket_path = "var/smpp-connector-" + std::to_string(port) + ".sock";
        }
        const auto spaced = [](const std::string& v) { return v.find_first_of(" \t\r\n") != std::string::npos; };
        if (!socket_path.empty() && !spaced(q.number) && !spaced(q.source) && !spaced(q.profile)) {
            std::string request = std::string("route ") + (*lookup ? "lookup " : "explain ") + q.number +
                                  " class=" + q.traffic_class + " source=" + q.source +
                                  " ton=" + std::to_string(q.ton) + " coding=" + std::to_string(q.data_coding) +
                                  " segments=" + std::to_string(q.segments) +
                                  " payload=" + (q.message_payload ? "1" : "0");
            if (!q.profile.empty()) request += " profile=" + q.profile;
            const auto reply = ask_admin(socket_path, request);
            for (const std::string head : {"ok routed\n", "ok unrouted\n"})
                if (reply.code == exit_ok && reply.text.rfind(head, 0) == 0) {
                    std::fputs(reply.text.c_str() + head.size(), stdout);
                    return head == "ok routed\n" ? exit_ok : 3;
                }
            if (reply.code != exit_unreachable) return print_reply(reply, "smpp-connector");
            std::fprintf(stderr,
                         "smppctl: warning: %s; reading '%s' here instead: default policies (otp and "
                         "transactional priority, bulk lcr), every circuit taken as closed\n",
                         reply.text.c_str(), q.ns.c_str());
        }
        return select(q, static_cast<bool>(*explain));
    }
    if (socket_path.empty()) socket_path = "var/smpp-connector-" + std::to_string(port) + ".sock";
    if (*binds) return print_reply(ask_admin(socket_path, "binds"), "smpp-connector");
    if (*stats) return print_reply(ask_admin(socket_path, "stats"), "smpp-connector");
    if (*health) {
        std::string request = "health";
        if (!health_carrier.empty()) request += " " + health_carrier;
        if (!health_country.empty()) request += " " + health_country;
        return print_reply(ask_admin(socket_path, request), "smpp-connector");
    }
    if (*reload) return print_reply(ask_admin(socket_path, "reload"), "smpp-connector");
    if (*message) {
        // The admin protocol is words on one line: an id with a space or a
        // line break could not be asked for as it is.
        const auto bad = [](const std::string& s) {
            return s.empty() || s.find_first_of(" \t\r\n") != std::string::npos;
        };
        if (bad(message_id) || (message->count("--carrier") && bad(message_carrier))) {
            std::fprintf(stderr, "smppctl: message ids and carrier names cannot be empty or hold spaces\n");
            return exit_usage;
        }
        const std::string request =
            message_carrier.empty() ? "message " + message_id : "message " + message_carrier + " " + message_id;
        return print_reply(ask_admin(socket_path, request), "smpp-connector");
    }
    if (*unmatched || *raw) {
        const auto bad = [](const std::string& s) { return s.find_first_of(" \t\r\n") != std::string::npos; };
        if (bad(list_since) || bad(list_carrier) || (*unmatched && list_carrier.empty()) ||
            (*raw && list_since.empty())) {
            std::fprintf(stderr, "smppctl: --since and --carrier cannot be empty or hold spaces\n");
            return exit_usage;
        }
        std::string request = *unmatched ? "receipts unmatched " + list_carrier + " " + std::to_string(list_limit)
                                         : "receipts raw " + list_since + " " + std::to_string(list_limit);
        if (*raw && !list_carrier.empty()) request += " " + list_carrier;
        return print_reply(ask_admin(socket_path, request), "smpp-connector");
    }
    if (*replay) {
        const auto bad = [](const std::string& s) { return s.find_first_of(" \t\r\n") != std::string::npos; };
        if (replay_since.empty() || bad(replay_since) || bad(replay_carrier)) {
            std::fprintf(stderr, "smppctl: --since and --carrier cannot be empty or hold spaces\n");
            return exit_usage;
        }
        std::string request = "receipts replay " + replay_since + " " + std::to_string(replay_limit);
        if (!replay_carrier.empty()) request += " " + replay_carrier;
        return print_reply(ask_admin(socket_path, request), "smpp-connector");
    }
    if (*chaos) {
        if (chaos_list) return print_reply(ask_sim(sim_at, "chaos list"), "smpp-sim");
        if (chaos_carrier.empty()) {
            std::fprintf(stderr, "smppctl: chaos needs the carrier's name (or --list)\n");
            return exit_usage;
        }
        if (chaos_off) return print_reply(ask_sim(sim_at, "chaos " + chaos_carrier + " off"), "smpp-sim");
        std::string faults;
        auto fraction = [](double v) {
            char b[32];
            std::snprintf(b, sizeof b, "%g", v);
            return std::string(b);
        };
        if (error_rate) faults += " submit_status " + status + " " + fraction(*error_rate);
        if (latency_ms) faults += " latency_ms " + std::to_string(*latency_ms);
        if (receipt_loss) faults += " receipts drop " + fraction(*receipt_loss);
        if (no_response) faults += " no_response " + fraction(*no_response);
        if (faults.empty()) {
            std::fprintf(stderr, "smppctl: chaos needs at least one of --error-rate, --latency-ms, --receipt-loss, "
                                 "--no-response (or --off / --list)\n");
            return exit_usage;
        }
        return print_reply(ask_sim(sim_at, "chaos " + chaos_carrier + " " + chaos_for + faults), "smpp-sim");
    }
    if (*check_cmd) return check(file, carriers);
    return 2;
}
