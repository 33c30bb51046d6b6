#include "tools/smpp-connector/admin_service.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <future>
#include <tuple>

#include <fmt/format.h>

#include "tools/smpp-connector/message_text.hpp"

namespace smpp::admin {

namespace {

std::vector<std::string_view> words_of(std::string_view line) {
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

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string utc_seconds(std::chrono::system_clock::time_point t) {
    if (t == std::chrono::system_clock::time_point{}) return "-";
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// Printable on one line whatever a peer put in an error text.
std::string one_line(std::string_view s) {
    std::string out;
    for (char c : s) out += (c == '\n' || c == '\r') ? ' ' : c;
    return out;
}

constexpr std::string_view message_usage = "error usage: message <id> | message <carrier> <carrier-message-id>\n";

std::string message_reply(const AdminSources& sources, const std::vector<std::string_view>& words) {
    if (words.size() < 2 || words.size() > 3) return std::string(message_usage);
    if (!sources.message) return "error no ledger here (no carriers configured)\n";
    MessageQuery query;
    if (words.size() == 2) {
        const auto id = store::MessageId::parse(words[1]);
        if (!id || !id->valid())
            return fmt::format("error '{}' is not a message id ({} characters of Crockford base32, as our "
                               "submit_sm_resp gave it; for a carrier's id: message <carrier> <carrier-message-id>)\n",
                               one_line(words[1]), store::MessageId::text_size);
        query.id = *id;
    } else {
        query.carrier = std::string(words[1]);
        query.carrier_message_id = std::string(words[2]);
    }
    const auto found = sources.message(query);
    if (!found.ok()) {
        if (found.status().code() == store::StatusCode::not_found)
            return "error no message " + one_line(found.status().message()) + "\n";
        return "error ledger: " + one_line(found.status().to_string()) + "\n";
    }
    const auto& r = found->record;
    std::string out = fmt::format("ok {} {}\n", r.id.to_string(), store::name(r.status));
    if (!found->index_key.empty())
        out += fmt::format("found by carrier {} id '{}' (index key {})\n", query.carrier, query.carrier_message_id,
                           found->index_key);
    return out + message_text(r);
}

std::string reload_reply(const ReloadResult& r) { return (r.ok ? "ok " : "error ") + one_line(r.message) + "\n"; }

constexpr std::string_view help_text =
    "ok commands\n"
    "binds                        every carrier and its binds: state, since, endpoint, window, last error;\n"
    "                             what the forward path holds for it (sending / credits, waiting by class)\n"
    "health [carrier] [country]   circuits per carrier x country: state per traffic class, rates, latency\n"
    "stats                        counters since start: the forward path (accepted, sent, retries, in doubt,\n"
    "                             failed, ...), the ledger's writes and journal, each account's backlog\n"
    "reload                       load the route table again (as SIGHUP); a bad table keeps the old one\n"
    "message <id>                 one message's ledger record: addresses, segments, cost, route and reason,\n"
    "                             every attempt, receipt state, timestamps, duplicate risk\n"
    "message <carrier> <their-id> the same, found by the id the carrier gave it (as its receipts match)\n"
    "receipts unmatched <carrier> [limit]\n"
    "                             receipts parked for a carrier id no message has (yet)\n"
    "receipts raw <since> [limit] [carrier]\n"
    "                             every receipt as it came, kept after its parking expired (since: 2h, 7d,\n"
    "                             2026-11-23T10:00:00Z; limit default 100, at most 1000)\n"
    "receipts replay <since> [limit] [carrier]\n"
    "                             the raw receipts again, through today's parser and carrier-ID settings:\n"
    "                             unmatched ones find their message, applied ones are absorbed (limit\n"
    "                             default 10000, at most 100000)\n"
    "route lookup|explain <number> [class=C] [source=S] [ton=N] [coding=N] [segments=N] [payload=0|1]\n"
    "      [profile=P]            the carriers a message would go to now, or why: this connector's policies,\n"
    "                             carrier limits and open circuits\n"
    "help                         this list\n";

}  // namespace

std::string stats_text(const StatsView& v) {
    const auto& f = v.forward;
    std::string out = fmt::format(
        "ok stats\nforward accepted={} refused={} sent={} retries={} rejected={} in_doubt={} failed={} expired={} "
        "cancelled={} replaced={} ledger_errors={} split={} late_sent={}\n",
        f.accepted, f.refused, f.sent, f.retries, f.rejected, f.in_doubt, f.failed, f.expired, f.cancelled, f.replaced,
        f.ledger_errors, f.split, f.late_sent);
    out += fmt::format("waiting outage={} concat_pinned={}\n", v.outage_waiting, v.concat_pinned);
    if (const auto& r = v.receipts) {
        out += fmt::format("receipts matched={} parked={} late_matched={} duplicates={} unparsed={} forwarded={} "
                           "retried={} expired={} refused={} not_requested={} orphaned={} timed_out={} "
                           "timeout_resent={} parts_given_up={}\n",
                           r->matched, r->parked, r->late_matched, r->duplicates, r->unparsed, r->forwarded,
                           r->retried, r->expired, r->refused, r->not_requested, r->orphaned, r->timed_out,
                           r->timeout_resent, r->parts_given_up);
        out += fmt::format("mo parked={} forwarded={} retried={} expired={} refused={}\n", r->mo_parked,
                           r->mo_forwarded, r->mo_retried, r->mo_expired, r->mo_refused);
    }
    if (const auto& l = v.ledger)
        out += fmt::format("ledger writes={} groups={} overlapped={} journal_records={} journal_switches={} "
                           "journal_waits={} journal_replayed={}\n",
                           l->writes, l->groups, l->overlapped, l->journal_records, l->journal_switches,
                           l->journal_waits, l->journal_replayed);
    if (const auto& l = v.ledger; l && !l->failure.empty()) out += fmt::format("ledger failed: {}\n", l->failure);
    for (const auto& a : v.accounts)
        out += fmt::format("account {} backlog={} held={}\n", a.system_id, a.backlog, a.held);
    return out;
}

std::string binds_text(const std::vector<carrier::CarrierSnapshot>& carriers,
                       const std::function<std::optional<relay::CreditCounts>(std::string_view)>& credits) {
    std::string out;
    for (const auto& c : carriers) {
        out += fmt::format("{} {}{} queued={} (otp={} transactional={} bulk={}) in_flight={} rate={:.0f}/s "
                           "rate_cuts={}\n",
                           c.id, carrier::name(c.state), c.backup ? " backup" : "", c.queued, c.queued_by_class[0],
                           c.queued_by_class[1], c.queued_by_class[2], c.in_flight, c.rate_tps, c.rate_cuts);
        if (const auto k = credits ? credits(c.id) : std::nullopt) {
            // The carrier's queue holds only what the forward path let be
            // `sending`; its backlog waits in the forward path.
            const auto& w = k->waiting;
            out += fmt::format("  forward sending={}/{} waiting={} (otp={} transactional={} bulk={}){}{}\n", k->in_use,
                               k->credits, w[0] + w[1] + w[2], w[0], w[1], w[2], k->stalled ? " stalled" : "",
                               k->outage_waiting ? fmt::format(" outage_waiting={}", k->outage_waiting) : "");
        }
        for (const auto& b : c.binds) {
            out += fmt::format("  #{} {} {} since {} {} window={}/{} failures={} submits={} sent={} transient={} "
                               "permanent={} in_doubt={} reconnects={} last_error={}\n",
                               b.index, session::name(b.type), carrier::name(b.state), utc_seconds(b.since),
                               b.endpoint.empty() ? "-" : b.endpoint, b.in_flight, b.window, b.consecutive_failures,
                               b.counters.submits, b.counters.sent, b.counters.transient, b.counters.permanent,
                               b.counters.in_doubt, b.counters.reconnects,
                               b.last_error.empty() ? std::string("-") : fmt::format("\"{}\"", one_line(b.last_error)));
        }
    }
    return out;
}

void AdminService::execute(std::string_view line, std::function<void(std::string)> reply) const {
    auto trimmed = line;
    while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r')) trimmed.remove_suffix(1);
    const auto words = words_of(trimmed);
    if (sources_.reload_async && words.size() == 1 && words[0] == "reload")
        return sources_.reload_async([reply = std::move(reply)](const ReloadResult& r) { reply(reload_reply(r)); });
    if (!words.empty() && words[0] == "receipts") return receipts_command(sources_.receipts, words, std::move(reply));
    reply(execute(line));
}

std::string AdminService::execute(std::string_view line) const {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    const auto words = words_of(line);
    if (words.empty()) return "error empty request (try: help)\n";
    const auto cmd = words[0];

    if (cmd == "help") return std::string(help_text);

    if (cmd == "binds") {
        if (words.size() != 1) return "error usage: binds\n";
        if (!sources_.binds) return "error no carriers configured (carriers_file)\n";
        const auto carriers = sources_.binds();
        std::size_t binds = 0;
        for (const auto& c : carriers) binds += c.binds.size();
        return fmt::format("ok {} carriers, {} binds\n", carriers.size(), binds) +
               binds_text(carriers, sources_.credits);
    }

    if (cmd == "stats") {
        if (words.size() != 1) return "error usage: stats\n";
        if (!sources_.stats) return "error no forward path (no carriers configured)\n";
        return stats_text(sources_.stats());
    }

    if (cmd == "health") {
        if (words.size() > 3) return "error usage: health [carrier] [country]\n";
        if (!sources_.health) return "error no health monitor (no carriers configured)\n";
        auto entries = sources_.health();
        std::erase_if(entries, [&](const routing::health::HealthEntry& e) {
            if (words.size() > 1 && e.carrier != words[1]) return true;
            if (words.size() > 2 && !iequal(e.country, words[2])) return true;
            return false;
        });
        std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
            return std::tie(a.carrier, a.country) < std::tie(b.carrier, b.country);
        });
        return fmt::format("ok {} entries\n", entries.size()) + routing::health::to_text(entries);
    }

    if (cmd == "reload") {
        if (words.size() != 1) return "error usage: reload\n";
        if (!sources_.reload) return "error no route table to reload (no carriers configured)\n";
        return reload_reply(sources_.reload());
    }

    if (cmd == "message") return message_reply(sources_, words);

    if (cmd == "route") return route_command(sources_.route, words);

    if (cmd == "receipts") {
        // Waits for a replay: tests only (the socket uses the async form).
        std::promise<std::string> answer;
        auto text = answer.get_future();
        receipts_command(sources_.receipts, words, [&answer](std::string a) { answer.set_value(std::move(a)); });
        return text.get();
    }

    if (cmd == "chaos")
        return "error chaos acts in smpp-sim (the carrier misbehaves, the connector sees real errors): "
               "smppctl chaos <carrier> --sim <control port> --for 20s --error-rate 0.5\n";

    return "error unknown command '" + one_line(cmd) + "' (binds, health, stats, reload, message, receipts, route, help)\n";
}

}  // namespace smpp::admin
