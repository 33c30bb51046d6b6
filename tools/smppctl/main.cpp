// smppctl: the operators' tool. `route lookup` and `route explain` read the
// route table a running smpp-connector publishes in shared memory (the same
// bytes its forward path selects from); `route check` validates a table
// file before it is deployed.
#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "routing/route_table.hpp"
#include "routing/router.hpp"

namespace {

using namespace smpp;

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
    routing::NoHealth health;
    auto router = routing::Router::open(q.ns, {}, health);
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
    app.require_subcommand(1);
    auto* route = app.add_subcommand("route", "route tables: lookup, explain, check");
    route->require_subcommand(1);

    RouteQuery q;
    auto add_query = [&q](CLI::App* cmd) {
        cmd->add_option("number", q.number, "destination number (E.164, + or 00 allowed)")->required();
        cmd->add_option("--ns", q.ns, "the connector's route table namespace (smpp-connector-<listener port>)")
            ->capture_default_str();
        cmd->add_option("--class", q.traffic_class, "otp, transactional or bulk")->capture_default_str();
        cmd->add_option("--source", q.source, "source_addr")->capture_default_str();
        cmd->add_option("--ton", q.ton, "source_addr_ton")->capture_default_str();
        cmd->add_option("--coding", q.data_coding, "data_coding")->capture_default_str();
        cmd->add_option("--profile", q.profile, "the account's routing profile");
        cmd->add_option("--segments", q.segments, "message parts")->capture_default_str()->check(CLI::Range(1, 255));
        cmd->add_flag("--payload", q.message_payload, "the message travels in message_payload");
    };
    auto* lookup = route->add_subcommand("lookup", "print the carriers a message would go to, in failover order");
    add_query(lookup);
    auto* explain = route->add_subcommand("explain", "why: the prefix, the policy, every skipped candidate");
    add_query(explain);

    std::string file;
    std::vector<std::string> carriers;
    auto* check_cmd = route->add_subcommand("check", "validate a route table file (YAML or CSV)");
    check_cmd->add_option("file", file, "the table")->required()->check(CLI::ExistingFile);
    check_cmd->add_option("--carrier", carriers, "a carrier id the table may name (repeat)")->required();

    CLI11_PARSE(app, argc, argv);
    if (*lookup) return select(q, false);
    if (*explain) return select(q, true);
    if (*check_cmd) return check(file, carriers);
    return 2;
}
