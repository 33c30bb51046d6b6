// smpp-bench: a load generator for SMPP 3.4 servers (our smpp-connector
// first). N binds submit_sm to one host:port, open loop at a target rate
// or closed loop as fast as the windows allow, and the run reports counts
// per command_status, throughput and submit_sm -> submit_sm_resp latency.
//
//   smpp-bench --port 2775 --system-id acme --password acmepass
//              --binds 4 --window 100 --count 100000 [--rate 25000] [--acks acks.txt]
//
// The last line of the report is machine-readable ("result key=value ...").
// Exit status: 0 the run ended by count or duration, 2 the timeout ended it,
// 1 bad arguments or no bind came up.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "smpp/protocol/command_status.hpp"
#include "tools/smpp-bench/load_generator.hpp"

namespace {

using smpp::bench::BenchReport;
using smpp::bench::BenchSettings;

double ms(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e6; }
double us(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e3; }

void print(const BenchSettings& s, const BenchReport& r) {
    std::printf("smpp-bench: %u binds (%s) to %s:%u as %s, window %u, %s\n", s.binds,
                std::string(smpp::session::name(s.bind)).c_str(), s.host.c_str(), s.port, s.system_id.c_str(),
                s.window,
                s.rate > 0 ? ("open loop at " + std::to_string(static_cast<long long>(s.rate)) + " msg/s").c_str()
                           : "closed loop (max)");
    std::printf("binds: %u bound, %u failed attempts, %u reconnects%s\n", r.binds_bound, r.bind_failures,
                r.reconnects, r.timed_out ? "; TIMEOUT ended the run" : "");
    std::printf("elapsed %.3f s (first submit_sm to last answer)\n", std::chrono::duration<double>(r.elapsed).count());
    std::printf("submit_sm sent %llu, answered %llu, ESME_ROK %llu, not answered %llu\n",
                static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.responses),
                static_cast<unsigned long long>(r.rok), static_cast<unsigned long long>(r.sent - r.responses));
    for (const auto& [status, n] : r.statuses)
        std::printf("  status %-20s %llu\n",
                    smpp::protocol::name(static_cast<smpp::protocol::command_status>(status)).c_str(),
                    static_cast<unsigned long long>(n));
    for (const auto& [error, n] : r.errors)
        std::printf("  error  %-20s %llu\n", error.c_str(), static_cast<unsigned long long>(n));
    if (r.receipts) std::printf("deliver_sm received %llu\n", static_cast<unsigned long long>(r.receipts));
    if (s.rate > 0)
        std::printf("open loop: %llu sends missed (no window room when due)\n",
                    static_cast<unsigned long long>(r.missed_tokens));
    std::printf("throughput %.0f ESME_ROK/s, %.0f answers/s\n", r.throughput(), r.response_rate());
    const auto& h = r.latency;
    std::printf("latency submit_sm -> submit_sm_resp (log-bucket histogram, <= 0.8%% error; n=%llu):\n"
                "  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms  mean %.3f ms\n",
                static_cast<unsigned long long>(h.count()), ms(h.quantile(0.50)), ms(h.quantile(0.90)),
                ms(h.quantile(0.99)), ms(h.quantile(0.999)), ms(h.max()), ms(h.mean()));
    std::uint64_t errors = 0;
    for (const auto& [e, n] : r.errors) errors += n;
    std::printf("result sent=%llu answered=%llu rok=%llu not_rok=%llu errors=%llu elapsed_s=%.3f throughput=%.0f "
                "p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f timed_out=%d\n",
                static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.responses),
                static_cast<unsigned long long>(r.rok), static_cast<unsigned long long>(r.responses - r.rok),
                static_cast<unsigned long long>(errors), std::chrono::duration<double>(r.elapsed).count(),
                r.throughput(), us(h.quantile(0.50)), us(h.quantile(0.90)), us(h.quantile(0.99)),
                us(h.quantile(0.999)), us(h.max()), r.timed_out ? 1 : 0);
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"smpp-bench: SMPP 3.4 submit_sm load generator"};
    BenchSettings s;
    std::string bind_type = "transceiver";
    std::string dest_mode = "random";
    double duration_s = 0, timeout_s = 120, response_timeout_s = 10, reconnect_ms = 0;
    std::string log_level = "warn";
    unsigned source_ton = s.source_ton, source_npi = s.source_npi, dest_ton = s.dest_ton, dest_npi = s.dest_npi;
    unsigned registered_delivery = 0;

    app.add_option("--host", s.host, "server address")->capture_default_str();
    app.add_option("--port", s.port, "server port")->capture_default_str();
    app.add_option("--system-id", s.system_id, "bind system_id")->required();
    app.add_option("--password", s.password, "bind password");
    app.add_option("--bind-type", bind_type, "transmitter | transceiver")
        ->check(CLI::IsMember({"transmitter", "transceiver"}))
        ->capture_default_str();
    app.add_option("--binds", s.binds, "upstream binds (sessions)")->capture_default_str();
    app.add_option("--threads", s.threads, "io threads (binds are dealt out to them)")->capture_default_str();
    app.add_option("--count", s.count, "messages to send in all (0: no limit, then --duration)")->capture_default_str();
    app.add_option("--duration", duration_s, "seconds to keep sending (0: no limit, then --count)")
        ->capture_default_str();
    app.add_option("--timeout", timeout_s, "seconds the whole run may take, draining included")->capture_default_str();
    app.add_option("--rate", s.rate, "messages per second over all binds, open loop; 0 = max (closed loop)")
        ->capture_default_str();
    app.add_option("--burst", s.burst, "token bucket size in messages (0: 10 ms of traffic)")->capture_default_str();
    app.add_option("--window", s.window, "outstanding submit_sm per bind")->capture_default_str();
    app.add_option("--dest-prefix", s.destination.prefix, "destination number prefix")->capture_default_str();
    app.add_option("--dest-digits", s.destination.digits, "digits after the prefix")->capture_default_str();
    app.add_option("--dest-mode", dest_mode, "random | sequential")
        ->check(CLI::IsMember({"random", "sequential"}))
        ->capture_default_str();
    app.add_option("--dest-ton", dest_ton, "destination TON")->capture_default_str();
    app.add_option("--dest-npi", dest_npi, "destination NPI")->capture_default_str();
    app.add_option("--source", s.source, "source address")->capture_default_str();
    app.add_option("--source-ton", source_ton, "source TON")->capture_default_str();
    app.add_option("--source-npi", source_npi, "source NPI")->capture_default_str();
    app.add_option("--text", s.text, "text after the unique token m<index>")->capture_default_str();
    app.add_option("--length", s.length, "short_message octets (text repeated or cut; 0: token + text)")
        ->capture_default_str();
    app.add_flag("--payload", s.payload, "send the text in message_payload (then --length up to 4000)");
    app.add_option("--parts", s.parts, "send each message as this many concatenated parts (UDH), one destination")
        ->capture_default_str();
    app.add_option("--registered-delivery", registered_delivery, "registered_delivery (1: ask for receipts)")
        ->capture_default_str();
    app.add_option("--response-timeout", response_timeout_s, "seconds before a submit_sm counts as unanswered")
        ->capture_default_str();
    app.add_option("--reconnect-ms", reconnect_ms, "rebind a closed bind after this (0: it stays down)")
        ->capture_default_str();
    app.add_option("--acks", s.acks_file,
                   "write '<index> <bind> <sequence_number> <status hex|error> <message_id>' per submit_sm outcome");
    app.add_option("--latency-log", s.latency_log_file,
                   "write '<ms into the run when sent> <latency us>' per submit_sm_resp (where the tail comes from)");
    app.add_option("--seed", s.seed, "random destinations seed")->capture_default_str();
    app.add_option("--log-level", log_level, "spdlog level")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    spdlog::set_level(spdlog::level::from_str(log_level));
    s.bind = bind_type == "transmitter" ? smpp::session::bind_type::transmitter : smpp::session::bind_type::transceiver;
    s.destination.sequential = dest_mode == "sequential";
    s.duration = std::chrono::milliseconds(static_cast<long long>(duration_s * 1000));
    s.timeout = std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
    s.response_timeout = std::chrono::milliseconds(static_cast<long long>(response_timeout_s * 1000));
    s.reconnect = std::chrono::milliseconds(static_cast<long long>(reconnect_ms));
    s.source_ton = static_cast<std::uint8_t>(source_ton);
    s.source_npi = static_cast<std::uint8_t>(source_npi);
    s.dest_ton = static_cast<std::uint8_t>(dest_ton);
    s.dest_npi = static_cast<std::uint8_t>(dest_npi);
    s.registered_delivery = static_cast<std::uint8_t>(registered_delivery);
    if (auto why = s.validate(); !why.empty()) {
        std::fprintf(stderr, "smpp-bench: %s\n", why.c_str());
        return 1;
    }

    BenchReport report;
    try {
        report = smpp::bench::run_load(s);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "smpp-bench: %s\n", e.what());
        return 1;
    }
    print(s, report);
    if (report.binds_bound == 0) return 1;
    return report.timed_out ? 2 : 0;
}
