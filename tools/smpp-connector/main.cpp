// smpp-connector: the server. Upstream ESMEs bind to it over SMPP 3.4.
// With carriers configured, submit_sm takes the forward path (ledger ->
// ESME_ROK -> route -> carrier); without, and for the message requests no
// path takes yet, requests are refused with an SMPP error rather than
// acknowledged (invariant 1).
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "conf/connector_config.hpp"
#include "smpp/carrier/carrier.hpp"
#include "smpp/protocol/pdu.hpp"
#include "smpp/relay/carrier_health.hpp"
#include "smpp/relay/forward_path.hpp"
#include "routing/shm_table.hpp"
#include "smpp/relay/message_router.hpp"
#include "smpp/relay/receipt_forwarder.hpp"
#include "smpp/relay/receipt_matcher.hpp"
#include "smpp/relay/receipt_timeouts.hpp"
#include "routing/health/health_monitor.hpp"
#include "smpp/session/connection_limits.hpp"
#include "smpp/session/listener.hpp"
#include "smpp/upstream/authenticator.hpp"
#include "smpp/upstream/password_hash.hpp"
#include "smpp/upstream/upstream_session_handler.hpp"
#include "tools/smpp-connector/admin_service.hpp"
#include "tools/smpp-connector/admin_socket.hpp"
#include "tools/smpp-connector/message_lookup.hpp"
#include "tools/smpp-connector/message_text.hpp"
#include "tools/smpp-connector/receipt_replay.hpp"
#include "tools/smpp-connector/reload_worker.hpp"
#include "tools/smpp-connector/route_reload.hpp"
#include "store/message_id.hpp"
#include "store/rocksdb_ledger.hpp"

namespace {

namespace asio = boost::asio;
using smpp::conf::ConfigError;
using smpp::conf::ConnectorConfig;

// Reads one line without echo when stdin is a terminal.
std::string read_password_from_stdin() {
    const bool tty = isatty(STDIN_FILENO) != 0;
    termios saved{};
    if (tty) {
        std::fputs("Password: ", stderr);
        tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string line;
    std::getline(std::cin, line);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        std::fputs("\n", stderr);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

int hash_password_command(std::optional<std::string> password) {
    std::string pw = password ? *password : read_password_from_stdin();
    // The bind PDU carries at most 8 characters: a longer password could
    // never be sent by any ESME.
    if (pw.empty() || pw.size() > smpp::protocol::limits::password - 1) {
        std::fprintf(stderr, "hash-password: the password must be 1 to 8 characters (SMPP 3.4 bind password)\n");
        return 1;
    }
    auto hash = smpp::upstream::hash_password(pw);
    if (!hash) {
        std::fprintf(stderr, "hash-password: libsodium could not hash (out of memory?)\n");
        return 1;
    }
    std::printf("%s\n", hash->c_str());
    return 0;
}

std::string describe_accounts(const smpp::upstream::AccountSettings& accounts) {
    std::string out;
    for (const auto& a : accounts.accounts) {
        if (!out.empty()) out += ", ";
        // Appends, not "literal" + std::string: g++ 12 -O3 warns falsely (-Wrestrict) on the latter.
        out.append(a.system_id).append(" (");
        for (std::size_t i = 0; i < a.bind_types.size(); ++i) {
            if (i) out.append("+");
            out.append(smpp::session::name(a.bind_types[i]));
        }
        out.append(", max_binds ").append(std::to_string(a.max_binds)).append(")");
    }
    return out.empty() ? "none" : out;
}

// One table per server on a host: named after the listener port (the pid
// when the port is chosen by the system, as in tests).
std::string route_namespace(const ConnectorConfig& config) {
    if (config.listener.port != 0) return "smpp-connector-" + std::to_string(config.listener.port);
    return "smpp-connector-pid" + std::to_string(::getpid());
}

// The routes of a configuration: its routes_file's table, or its inline routes.
smpp::routing::RouteTable route_table_of(const ConnectorConfig& config) {
    if (!config.routes_file.empty()) return config.route_table;
    return smpp::relay::MessageRouter::table_of(config.routes);
}

int serve(const ConnectorConfig& config, const std::string& config_path) {
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    spdlog::info("smpp-connector starting with {}", config_path);
    // What a reload compares with, to name the changes it does not apply.
    const auto config_snapshot = smpp::admin::config_snapshot(config_path);

    // Destruction order matters: the listener (and its sessions) first, then
    // the authenticator, whose worker may still post verdicts onto session
    // strands, then the forward path and the carriers, then the ledger
    // (which commits what is queued and posts its last completions), and
    // the io_context last.
    // io_threads threads run it (conf/connector_config.hpp); every session,
    // carrier and relay object that keeps state is a strand or locks.
    asio::io_context io(static_cast<int>(config.io_threads));
    // The server's own housekeeping (signals, the retention timer, the bind
    // watch, the admin socket) on one strand: the shutdown below cancels
    // them from a signal handler, which must not race their handlers.
    auto control = asio::make_strand(io);

    std::unique_ptr<smpp::store::RocksDbLedger> ledger;
    // Node 0 until the configuration names nodes (one server per ledger).
    smpp::store::MessageIdGenerator ids(0);
    smpp::relay::ForwardPath::Carriers carriers;
    std::shared_ptr<smpp::relay::ForwardPath> forward;
    std::shared_ptr<smpp::relay::MessageRouter> message_router;
    smpp::relay::CarrierIdBook carrier_ids;
    std::shared_ptr<smpp::relay::ReceiptForwarder> forwarder;
    std::shared_ptr<smpp::relay::ReceiptMatcher> matcher;
    std::string route_ns;
    std::optional<smpp::routing::ShmPublisher> publisher;
    // Health per carrier x country: fed by submit outcomes and bind state,
    // asked by the selector; a failing route moves to its next candidate.
    auto health = std::make_shared<smpp::routing::health::HealthMonitor>(config.health);
    std::shared_ptr<smpp::relay::ReceiptTimeouts> timeouts;
    std::shared_ptr<smpp::relay::BindWatch> bind_watch;
    asio::steady_timer retention(control);
    std::function<void()> sweep_retention;
    // A second connector started on this port by mistake (another working
    // directory, so another ledger) would publish its routes over this
    // one's, whose namespace is the port, and start its carriers, before
    // failing to listen. The port is claimed first: bound (not listening,
    // so no client connects to it) until the listener takes it below.
    asio::ip::tcp::endpoint at(asio::ip::make_address(config.listener.host), config.listener.port);
    std::optional<asio::ip::tcp::acceptor> port_claim;
    if (config.listener.port != 0) {
        try {
            port_claim.emplace(io, at.protocol());
            port_claim->set_option(asio::socket_base::reuse_address(true));
            port_claim->bind(at);
        } catch (const boost::system::system_error& e) {
            spdlog::error("cannot listen on {}:{}: {} (another smpp-connector on this port?)", config.listener.host,
                          config.listener.port, e.code().message());
            return 1;
        }
    }
    if (!config.carriers.empty()) {
        // Each account's receipts.multipart, applied by the ledger in the
        // write that settles each part (the two enums list the same names).
        static_assert(static_cast<int>(smpp::upstream::multipart_receipts::aggregate) ==
                      static_cast<int>(smpp::store::multipart_policy::aggregate));
        auto ledger_settings = config.ledger;
        for (const auto& a : config.accounts.accounts)
            ledger_settings.multipart[a.system_id] = static_cast<smpp::store::multipart_policy>(a.receipts.multipart);
        // An entry that does not decode is skipped, not fatal to the start
        // or to a sweep; this line is what is left to find it by.
        ledger_settings.on_unreadable = [](std::string_view family, std::string_view key,
                                           const smpp::store::Status& why) {
            spdlog::error("ledger: {} entry '{}' does not decode ({}); skipped, left as it is", family, key,
                          why.to_string());
        };
        auto opened = smpp::store::RocksDbLedger::open(ledger_settings);
        if (!opened.ok()) {
            spdlog::error("cannot open the ledger at {}: {}", config.ledger.path, opened.status().to_string());
            return 1;
        }
        ledger = std::move(opened).value();
        const auto started =
            std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
        // Ids continue after the ledger's, before anything mints one (the
        // forward path, the MO path): a clock behind them would mint ids
        // records and parked MOs already have.
        if (const auto highest = ledger->highest_id(); highest.valid()) {
            ids.advance_past(highest);
            if (highest.time() > started)
                spdlog::warn("the clock is {} ms behind the ledger's newest id {}: ids continue after it until the "
                             "clock catches up",
                             (highest.time() - started).count(), highest.to_string());
        }
        auto recovery = ledger->recover(started, started - config.forward.concat_window);
        if (!recovery.ok()) {
            spdlog::error("ledger recovery at {} failed: {}", config.ledger.path, recovery.status().to_string());
            return 1;
        }
        const bool journaled = config.ledger.sync && config.ledger.journal;
        spdlog::info("ledger {} (sync {}, fsync on {}): {} journal records replayed, {} messages to resume, {} in doubt",
                     config.ledger.path, config.ledger.sync,
                     journaled ? "the ledger journal" : (config.ledger.sync ? "RocksDB's WAL" : "nothing"),
                     ledger->writer_stats().journal_replayed, recovery->resume.size(), recovery->in_doubt.size());
        // The receipt path: carriers' receipts are matched in the ledger
        // (ReceiptMatcher), and what each upstream account is owed goes out
        // on its receiver/transceiver binds (ReceiptForwarder).
        // What is parked for an account the configuration no longer has
        // can never be delivered: it waits only for max_age. start() looks
        // at every account owed something, notified or not.
        smpp::relay::ReceiptForwarderSettings forwarder_settings;
        forwarder_settings.accounts.emplace();
        for (const auto& a : config.accounts.accounts) forwarder_settings.accounts->insert(a.system_id);
        forwarder = smpp::relay::ReceiptForwarder::create(io.get_executor(), *ledger, forwarder_settings);
        forwarder->start();
        for (const auto& settings : config.carriers)
            carrier_ids.emplace(settings.id, smpp::relay::carrier_id_settings(settings.receipt_id));
        // Mobile-originated messages go to the account owning the number
        // (mo_numbers); opt-out keywords add the sender to its opt-out list.
        smpp::relay::MoPath mo;
        mo.directory = smpp::relay::MoDirectory::of(config.accounts);
        mo.settings = config.mo;
        mo.dedupe = std::make_shared<smpp::relay::MoDedupe>(config.mo.duplicate_window);
        {
            // Copies of MOs parked before the restart (the carrier never saw
            // our deliver_sm_resp) are absorbed too, whether the upstream
            // already acknowledged them (the ledger's sightings) or not yet
            // (still parked).
            std::vector<std::string> names;
            for (const auto& a : config.accounts.accounts) names.push_back(a.system_id);
            const auto now =
                std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
            auto seen = smpp::relay::seed_seen_mos(*mo.dedupe, *ledger, now);
            if (!seen.ok()) spdlog::warn("MO duplicate window not seeded: {}", seen.status().to_string());
            auto seeded = smpp::relay::seed_parked_mos(*mo.dedupe, *ledger, names, now);
            if (!seeded.ok()) spdlog::warn("MO duplicate window not seeded: {}", seeded.status().to_string());
        }
        mo.next_id = [&ids] { return ids.next(); };
        matcher = smpp::relay::ReceiptMatcher::create(
            *ledger, carrier_ids,
            [weak = std::weak_ptr<smpp::relay::ReceiptForwarder>(forwarder)](const std::string& account) {
                if (auto f = weak.lock()) f->notify(account);
            },
            std::move(mo));
        for (const auto& settings : config.carriers)
            carriers.emplace(settings.id, smpp::carrier::Carrier::create(io.get_executor(), settings,
                                                                         matcher->handler_for(settings.id)));
        smpp::relay::ForwardSettings forward_settings;
        forward_settings.carrier_ids = carrier_ids;
        forward_settings.accounts = config.accounts;
        forward_settings.retry_base = config.forward.retry_base;
        forward_settings.retry_max = config.forward.retry_max;
        forward_settings.max_retry_rounds = config.forward.max_retry_rounds;
        forward_settings.max_hold = config.forward.max_hold;
        forward_settings.carrier_stall = config.forward.carrier_stall;
        forward_settings.outage_retry_max = config.forward.outage_retry_max;
        forward_settings.concat_window = config.forward.concat_window;
        forward_settings.in_doubt_resend_after = config.forward.in_doubt_resend_after;
        forward_settings.split_payload = config.forward.split_payload;
        forward_settings.health = health;
        // A message rejected, failed or expired with us may owe its upstream
        // a failure receipt, parked in the same ledger write.
        forward_settings.receipt_owed = [weak = std::weak_ptr<smpp::relay::ReceiptForwarder>(forwarder)](
                                            const std::string& account) {
            if (auto f = weak.lock()) f->notify(account);
        };
        // The route table lives in shared memory, so `smppctl route explain`
        // reads the very bytes the forward path selects from.
        route_ns = route_namespace(config);
        auto opened_publisher = smpp::routing::ShmPublisher::open(route_ns);
        if (!opened_publisher) {
            spdlog::error("route table: {}", opened_publisher.error().message);
            return 1;
        }
        publisher.emplace(std::move(opened_publisher).value());
        if (auto published = publisher->publish(route_table_of(config)); !published) {
            spdlog::error("route table: {}", published.error().message);
            return 1;
        }
        smpp::routing::SelectorSettings selection;
        std::copy(std::begin(config.routing_policies), std::end(config.routing_policies), selection.policy);
        // A carrier that takes no message_payload, or fewer parts than a
        // message has, is passed over for it (carriers.yaml).
        selection.capabilities = smpp::relay::capabilities_of(config.carriers);
        auto router = smpp::relay::MessageRouter::from_shm(route_ns, selection, health);
        if (!router) {
            spdlog::error("route table: {}", router.error().message);
            return 1;
        }
        spdlog::info("route table generation {} published as '{}' (smppctl route explain <number> --ns {})",
                     publisher->generation(), route_ns, route_ns);
        message_router = std::move(router).value();
        // Final receipts feed the delivery-rate and receipt-latency windows
        // of their carrier x the destination's country.
        matcher->set_on_matched([health, message_router](const smpp::store::ReceiptMatch& m) {
            smpp::relay::report_receipt(*health, *message_router, m,
                                        std::chrono::time_point_cast<std::chrono::milliseconds>(
                                            std::chrono::system_clock::now()));
        });
        forward = smpp::relay::ForwardPath::create(io.get_executor(), *ledger, ids, message_router, carriers,
                                                   forward_settings);
        for (auto& [id, c] : carriers) c->start();
        spdlog::info("carriers: {} from {}; route prefixes: {} from {}", carriers.size(), config.carriers_file,
                     route_table_of(config).entries.size(),
                     config.routes_file.empty() ? std::string("the routes: section") : config.routes_file);
        for (const auto& w : smpp::conf::routing_profile_warnings(config)) spdlog::warn("{}", w);
        if (route_table_of(config).entries.empty())
            spdlog::warn("no routes configured (routes: or routes_file): every submit_sm is refused ESME_RINVDSTADR "
                         "until a reload brings some");
        if (auto pinned = forward->seed_taken_parts(recovery->taken_parts, started))
            spdlog::info("{} concatenated part(s) sent before the restart keep their siblings on their carrier",
                         pinned);
        for (auto& record : recovery->resume) forward->resume(std::move(record));
        // In doubt: the carrier may have them. The account decides: resend
        // (and risk a duplicate) or keep them in doubt (query_sm answers
        // UNKNOWN) for someone to look at.
        std::size_t resent = 0;
        for (auto& record : recovery->in_doubt) {
            const auto* account = config.accounts.find(record.account);
            if (!account || account->in_doubt != smpp::upstream::in_doubt_policy::resend) continue;
            // Once: one that went out in doubt again stays in doubt.
            if (forward->resend_in_doubt(std::move(record))) ++resent;
        }
        if (resent) spdlog::warn("{} in-doubt message(s) sent again (their accounts say in_doubt: resend)", resent);

        // Receipts that never come: per account, a synthetic final state.
        smpp::relay::ReceiptTimeoutSettings ts;
        ts.shortest = std::chrono::hours(72);
        for (const auto& a : config.accounts.accounts)
            ts.shortest = std::min<std::chrono::milliseconds>(ts.shortest, a.receipts.timeout);
        ts.policy = [accounts = config.accounts](const std::string& name) {
            smpp::relay::ReceiptTimeoutPolicy p;
            if (const auto* a = accounts.find(name)) {
                p.timeout = a->receipts.timeout;
                p.reported = a->receipts.on_timeout == smpp::upstream::receipt_timeout_state::expired
                                 ? smpp::store::MessageStatus::expired
                                 : smpp::store::MessageStatus::undeliverable;
            }
            return p;
        };
        // receipt_timeouts: {otp: resend}: such overdue messages go once more
        // through their route's next carrier instead of being reported.
        for (const auto& [cls, policy] : config.receipt_timeouts)
            if (policy == smpp::upstream::in_doubt_policy::resend) ts.resend_classes.emplace(smpp::upstream::name(cls));
        ts.resend = [weak = std::weak_ptr<smpp::relay::ForwardPath>(forward)](smpp::store::MessageRecord r,
                                                                             std::string not_via) {
            auto f = weak.lock();
            return f && f->resend(std::move(r), std::move(not_via));
        };
        timeouts = smpp::relay::ReceiptTimeouts::create(
            io.get_executor(), *ledger, ts, [weak = std::weak_ptr<smpp::relay::ReceiptForwarder>(forwarder)](const std::string& a) {
                if (auto f = weak.lock()) f->notify(a);
            });
        timeouts->start();

        // A carrier with no bound bind is down for the health monitor (one
        // disabled on purpose is not).
        bind_watch = smpp::relay::BindWatch::create(control, carriers, health);
        bind_watch->start();

        // Retention, hourly: final records (and raw receipts) older than
        // retention_days go, as do receipts parked for a carrier id that never
        // came, and MO sightings older than the duplicate window; records not
        // final stay however old.
        sweep_retention = [&] {
            const auto cutoff = std::chrono::time_point_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now() - std::chrono::hours(24) * config.ledger.retention_days);
            ledger->drop_final_older_than(cutoff, [](smpp::store::Status st) {
                if (!st.ok()) spdlog::error("retention sweep failed: {}", st.to_string());
            });
            // A parking under an alternate reading of a carrier id only
            // serves sent(), which takes none that old.
            const auto alternates_cutoff = std::chrono::time_point_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now() - smpp::store::parking_takeable_for);
            ledger->expire_unmatched(cutoff, alternates_cutoff, [](smpp::store::Status st) {
                if (!st.ok()) spdlog::error("expiring unmatched receipts failed: {}", st.to_string());
            });
            // MO sightings only matter within the duplicate window (with the
            // dedupe off, 0 s, none does: park_mo still writes them).
            ledger->drop_mo_sightings_before(
                std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() -
                                                                        config.mo.duplicate_window),
                [](smpp::store::Status st) {
                    if (!st.ok()) spdlog::error("dropping old MO sightings failed: {}", st.to_string());
                });
            retention.expires_after(std::chrono::hours(1));
            retention.async_wait([&](boost::system::error_code ec) {
                if (!ec) sweep_retention();
            });
        };
        sweep_retention();


    } else {
        spdlog::warn("no carriers_file configured: submit_sm is refused (ESME_RSUBMITFAIL)");
    }

    smpp::upstream::Authenticator authenticator(config.accounts);
    smpp::upstream::MessageSink* sink = forward.get();
    smpp::upstream::BindObserver* observer = forwarder.get();

    std::shared_ptr<smpp::session::Listener> listener;
    port_claim.reset();
    try {
        auto limits = smpp::session::ConnectionLimits::create(config.listener.max_connections,
                                                              config.listener.max_connections_per_address);
        listener = smpp::session::Listener::create(
            io.get_executor(), at, config.session,
            [&authenticator, sink, observer,
             limits](const asio::ip::tcp::endpoint& peer) -> std::shared_ptr<smpp::session::SessionHandler> {
                auto place = limits->admit(peer.address());
                if (!place) return nullptr;  // the listener closes it
                // The handler lives as long as its session: it holds the place.
                return std::shared_ptr<smpp::upstream::UpstreamSessionHandler>(
                    new smpp::upstream::UpstreamSessionHandler(authenticator, sink, observer),
                    [place](smpp::upstream::UpstreamSessionHandler* h) { delete h; });
            });
    } catch (const boost::system::system_error& e) {
        spdlog::error("cannot listen on {}:{}: {}", config.listener.host, config.listener.port, e.code().message());
        return 1;
    }
    auto local = listener->local_endpoint();
    spdlog::info("listening on {}:{}", local.address().to_string(), local.port());
    spdlog::info("accounts: {}", describe_accounts(config.accounts));
    listener->start();

    // Reloads compile on a thread of their own, never on this io thread: a
    // large table would stall every session meanwhile (reload_worker.hpp).
    // From here on only the worker touches `publisher`; it is declared
    // after it, so it stops (joined) before the publisher goes.
    std::set<std::string, std::less<>> running;
    for (const auto& [id, c] : carriers) running.insert(id);
    smpp::admin::ReloadWorker reloads([&config_path, &publisher, running, started = config_snapshot] {
        return smpp::admin::reload_routes(config_path, publisher, running, started, "reload");
    });

    // SIGHUP: the configuration's routes again; a bad file keeps the table
    // that is serving. reload_routes logs the outcome.
    asio::signal_set hangups(control, SIGHUP);
    std::function<void()> await_hangup = [&] {
        hangups.async_wait([&](boost::system::error_code ec, int) {
            if (ec) return;
            spdlog::info("SIGHUP: reloading the route table");
            reloads.reload({});
            await_hangup();
        });
    };
    await_hangup();

    // The admin socket (smppctl binds / health / reload / message / receipts), on this io thread.
    std::shared_ptr<smpp::admin::AdminSocket> admin;
    const std::string admin_path = config.admin_socket.value_or(
        smpp::admin::default_socket_path(config.listener.port ? config.listener.port : local.port()));
    if (!admin_path.empty()) {
        smpp::admin::AdminSources sources;
        if (!carriers.empty()) {
            sources.binds = [&carriers] {
                std::vector<smpp::carrier::CarrierSnapshot> out;
                for (const auto& [id, c] : carriers) out.push_back(c->snapshot());
                return out;
            };
            if (forward)
                sources.credits = [forward](std::string_view id) -> std::optional<smpp::relay::CreditCounts> {
                    return forward->credits(id);
                };
            if (forward)
                sources.stats = [forward, &ledger, &config, &matcher, &forwarder, &timeouts] {
                    smpp::admin::StatsView v;
                    const auto c = forward->counters();
                    v.forward = {c.accepted, c.refused,  c.sent,      c.retries,  c.rejected,     c.in_doubt,
                                 c.failed,   c.expired,  c.cancelled, c.replaced, c.ledger_errors, c.split,
                                 c.late_sent};
                    if (matcher && forwarder) {
                        const auto m = matcher->counters();
                        const auto f = forwarder->counters();
                        v.receipts = smpp::admin::StatsView::Receipts{
                            .matched = m.matched,
                            .parked = m.parked,
                            .late_matched = m.late_matched,
                            .duplicates = m.duplicates,
                            .unparsed = m.unparsed,
                            .forwarded = f.forwarded,
                            .retried = f.retried,
                            .expired = f.expired,
                            .refused = f.refused,
                            .not_requested = f.dropped_by_registered_delivery,
                            .orphaned = f.orphaned,
                            .mo_parked = m.mo_parked,
                            .mo_forwarded = f.mo_forwarded,
                            .mo_retried = f.mo_retried,
                            .mo_expired = f.mo_expired,
                            .mo_refused = f.mo_refused};
                        if (timeouts) {
                            v.receipts->timed_out = timeouts->timed_out();
                            v.receipts->timeout_resent = timeouts->resent();
                            v.receipts->parts_given_up = timeouts->part_groups_given_up();
                        }
                    }
                    v.outage_waiting = forward->outage_waiting();
                    v.concat_pinned = forward->pinned_messages();
                    if (ledger) {
                        const auto w = ledger->writer_stats();
                        v.ledger = smpp::admin::StatsView::Ledger{w.writes,           w.groups,
                                                                  w.overlapped,       w.journal_records,
                                                                  w.journal_switches, w.journal_waits,
                                                                  w.journal_replayed, w.failure};
                    }
                    for (const auto& a : config.accounts.accounts)
                        v.accounts.push_back({a.system_id, forward->backlog(a.system_id), forward->held(a.system_id)});
                    return v;
                };
            sources.health = [health] { return health->snapshot(); };
            sources.route = [message_router](const smpp::routing::SelectRequest& r) {
                return message_router->select(r);
            };
            sources.reload_async = [&reloads](std::function<void(const smpp::admin::ReloadResult&)> done) {
                reloads.reload(std::move(done));
            };
        }
        // Point reads of the ledger, thread-safe (RocksDB Get): fine on the io
        // thread. The ledger outlives `admin`, which is declared after it.
        if (ledger)
            sources.message = [&ledger, &carrier_ids](const smpp::admin::MessageQuery& q) {
                return smpp::admin::find_message(*ledger, carrier_ids, q);
            };
        // The receipts the ledger keeps: listed (short reads, on `control`),
        // or replayed through the matcher, read a page at a time on
        // `control` (between other housekeeping) and written by the
        // ledger's writer like any receipt.
        if (ledger && matcher) {
            sources.receipts.unmatched = [&ledger](const std::string& carrier, std::size_t limit) {
                return ledger->unmatched_receipts(carrier, limit);
            };
            sources.receipts.raw = [&ledger](smpp::store::Timestamp since, std::size_t limit) {
                return ledger->raw_receipts(since, limit);
            };
            sources.receipts.replay = [&ledger, matcher, control](
                                          const smpp::admin::ReplayRequest& request,
                                          std::function<void(const smpp::admin::ReplayResult&)> done) {
                spdlog::info("receipts replay since {} limit {}{}", smpp::admin::utc_millis(request.since),
                             request.limit, request.carrier.empty() ? "" : " carrier " + request.carrier);
                smpp::admin::replay_receipts(*ledger, matcher, control, request,
                                             [done = std::move(done)](const smpp::admin::ReplayResult& r) {
                                                 spdlog::info("receipts replay: {} replayed, {} matched, {} "
                                                              "duplicate, {} parked, {} without an id, {} failed",
                                                              r.replayed, r.matched, r.duplicate, r.parked, r.no_id,
                                                              r.failed);
                                                 done(r);
                                             });
            };
        }
        std::string why;
        admin = smpp::admin::AdminSocket::open(
            control, {.path = admin_path},
            smpp::admin::AdminSocket::AsyncHandler(
                [service = smpp::admin::AdminService(std::move(sources))](
                    std::string line, smpp::admin::AdminSocket::Reply reply) { service.execute(line, std::move(reply)); }),
            why);
        if (!admin) {
            spdlog::error("admin socket: {}", why);
            return 1;
        }
        admin->start();
        spdlog::info("admin socket {} (smppctl binds --socket {})", admin_path, admin_path);
    }

    asio::signal_set signals(control, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int signo) {
        if (ec) return;
        spdlog::info("signal {}: unbinding every session, then exiting", signo);
        // Its callback runs on the listener's strand: back to `control`.
        listener->stop([&] { asio::post(control, [&] {
            spdlog::info("all sessions closed");
            if (forward) forward->stop();
            if (forwarder) forwarder->stop();
            if (timeouts) timeouts->stop();
            if (bind_watch) bind_watch->stop();
            retention.cancel();
            hangups.cancel();
            if (admin) admin->stop();
            // Submits on the wire complete (and are recorded); those still
            // in a carrier's queue are refused, and the forward path writes
            // them back to queued (never in doubt: they never left us); all
            // waiting ones stay accepted/queued. The next start resumes them.
            // Each carrier reports on its own strand, maybe on another thread.
            auto left = std::make_shared<std::atomic<std::size_t>>(carriers.size());
            if (left->load() == 0) return io.stop();
            for (auto& [id, c] : carriers) {
                c->stop([&io, left] {
                    if (left->fetch_sub(1) == 1) {
                        spdlog::info("all carriers unbound");
                        io.stop();
                    }
                });
            }
        }); });
        // A second signal means "now".
        signals.async_wait([&io](boost::system::error_code ec2, int signo2) {
            if (ec2) return;
            spdlog::warn("signal {} again: exiting without waiting", signo2);
            io.stop();
        });
    });

    spdlog::info("{} io thread(s)", config.io_threads);
    std::vector<std::thread> io_threads;
    for (unsigned i = 1; i < config.io_threads; ++i) io_threads.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : io_threads) t.join();
    listener.reset();
    if (forward) {
        const auto n = forward->counters();
        spdlog::info("forward path: {} accepted, {} refused, {} sent, {} retries, {} rejected, {} in doubt, {} failed, "
                     "{} split into parts",
                     n.accepted, n.refused, n.sent, n.retries, n.rejected, n.in_doubt, n.failed, n.split);
    }
    if (matcher) {
        const auto m = matcher->counters();
        spdlog::info("carrier receipts: {} matched, {} parked ({} matched later), {} duplicates, {} unparsed, "
                     "{} refused; replays: {} ({} matched); MO: {} parked, {} opt-outs, {} for no account",
                     m.matched, m.parked, m.late_matched, m.duplicates, m.unparsed, m.refused, m.replayed,
                     m.replay_matched, m.mo_parked, m.mo_opt_outs, m.mo_unowned);
    }
    if (forwarder) {
        const auto f = forwarder->counters();
        spdlog::info("upstream receipts: {} forwarded, {} retried, {} expired, {} refused, {} not requested, "
                     "{} orphaned; MO: {} forwarded, {} retried, {} expired, {} refused",
                     f.forwarded, f.retried, f.expired, f.refused, f.dropped_by_registered_delivery, f.orphaned,
                     f.mo_forwarded, f.mo_retried, f.mo_expired, f.mo_refused);
    }
    if (ledger) {
        // How group commit went: writes per fsync, and the journal's segment
        // switches that had to wait for RocksDB's WAL sync (should stay 0).
        const auto w = ledger->writer_stats();
        spdlog::info("ledger: {} writes in {} groups, {} built during the previous write; journal: {} records, "
                     "{} segment switches ({} waited), {} replayed at start",
                     w.writes, w.groups, w.overlapped, w.journal_records, w.journal_switches, w.journal_waits,
                     w.journal_replayed);
        if (!w.failure.empty()) spdlog::error("{}", w.failure);
    }
    reloads.stop();  // a reload still running publishes before the segment goes
    if (publisher) publisher->remove();
    spdlog::info("smpp-connector stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"smpp-connector: SMPP 3.4 carrier connector server"};
    std::string config_path = "conf/connector.example.yaml";
    bool check = false;
    app.add_option("--config", config_path, "YAML configuration file")->capture_default_str();
    app.add_flag("--check", check, "validate the configuration and exit (0 valid, 1 not)");

    std::optional<std::string> password;
    auto* hash = app.add_subcommand("hash-password",
                                    "print a crypto_pwhash_str hash of a password read from stdin (or --password) "
                                    "for an account's password_hash");
    hash->add_option("--password", password, "the password (prefer stdin: arguments show in ps)");

    CLI11_PARSE(app, argc, argv);

    if (*hash) return hash_password_command(password);

    ConnectorConfig config;
    try {
        config = smpp::conf::load_connector_config(config_path);
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return check ? 1 : 2;
    }
    if (check) {
        std::printf("%s: OK (%zu accounts)\n", config_path.c_str(), config.accounts.accounts.size());
        return 0;
    }
    return serve(config, config_path);
}
