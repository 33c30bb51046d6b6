#pragma once
// The three witnesses of an end-to-end run compared: what the client was
// told (smpp-bench's acks), what the connector kept (its ledger, opened
// offline after it stopped) and what the carriers got (smpp-sim's record).
// Counts problems instead of asserting per message, so a failure reports
// numbers and a few examples rather than 100,000 lines.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "store/rocksdb_ledger.hpp"
#include "e2e_processes.hpp"

namespace e2e {

struct Audit {
    std::size_t acked = 0;            // ESME_ROK with a message_id
    std::size_t sent = 0;             // ledger: sent, and the sim has it once under that carrier id
    std::size_t in_doubt = 0;         // ledger: in_doubt (the sim saw it at most once)
    std::size_t in_doubt_at_sim = 0;  // ... of which the carrier did get it
    std::size_t lost = 0;             // ROK but not in the ledger
    std::size_t wrong_status = 0;     // neither sent nor in_doubt
    std::size_t wrong_payload = 0;    // ledger payload is not this message's
    std::size_t no_carrier_id = 0;    // sent without a carrier message id
    std::size_t not_at_sim = 0;       // sent, but the sim has no such (carrier, id)
    std::size_t mismatched = 0;       // the sim's message under that id is another one
    std::size_t doubled = 0;          // tokens the sim received more than once
    std::size_t sim_total = 0;
    std::size_t sim_not_acked = 0;    // the sim got it but the client saw no ESME_ROK (in flight at a crash)
    // The acked records per upstream bind that submitted them (`upstream_bind`).
    std::map<std::string, std::size_t> upstream_binds;
    std::vector<std::string> examples;

    void example(std::string s) {
        if (examples.size() < 10) examples.push_back(std::move(s));
    }
    std::string describe() const {
        std::string out = "acked " + std::to_string(acked) + ", sent " + std::to_string(sent) + ", in_doubt " +
                          std::to_string(in_doubt) + " (" + std::to_string(in_doubt_at_sim) + " at the sim), lost " +
                          std::to_string(lost) + ", wrong_status " + std::to_string(wrong_status) +
                          ", wrong_payload " + std::to_string(wrong_payload) + ", no_carrier_id " +
                          std::to_string(no_carrier_id) + ", not_at_sim " + std::to_string(not_at_sim) +
                          ", mismatched " + std::to_string(mismatched) + ", doubled " + std::to_string(doubled) +
                          ", sim_total " + std::to_string(sim_total) + ", sim_not_acked " +
                          std::to_string(sim_not_acked);
        for (const auto& e : examples) out += "\n  " + e;
        return out;
    }
};

inline Audit audit(const std::vector<Ack>& acks, const std::filesystem::path& ledger_path,
                   const std::vector<SimSubmit>& sim) {
    Audit a;
    a.sim_total = sim.size();
    std::map<std::string, std::size_t> seen;                  // token -> times at the sim
    std::map<std::pair<std::string, std::string>, std::string> by_carrier_id;  // (carrier, id) -> token
    for (const auto& s : sim) {
        if (++seen[s.token] == 2) {
            ++a.doubled;
            a.example("doubled at the sim: " + s.token);
        }
        by_carrier_id[{s.carrier, s.message_id}] = s.token;
    }

    smpp::store::LedgerSettings settings;
    settings.path = ledger_path.string();
    auto opened = smpp::store::RocksDbLedger::open(settings);
    REQUIRE(opened.ok());
    auto& ledger = *opened.value();

    std::set<std::string> acked_tokens;
    for (const auto& ack : acks) {
        if (ack.status != "00000000") continue;
        ++a.acked;
        const std::string token = "m" + std::to_string(ack.index);
        acked_tokens.insert(token);
        auto id = smpp::store::MessageId::parse(ack.message_id);
        auto record = id ? ledger.find(*id) : smpp::store::StatusOr<smpp::store::MessageRecord>(
                                                  smpp::store::Status(smpp::store::StatusCode::invalid_argument, ""));
        if (!record.ok()) {
            ++a.lost;
            a.example("lost: " + token + " " + ack.message_id);
            continue;
        }
        ++a.upstream_binds[record->upstream_bind];
        if (token_of(record->payload) != token) {
            ++a.wrong_payload;
            a.example("payload of " + ack.message_id + " is '" + record->payload + "', expected " + token);
        }
        const auto at_sim = seen.count(token) ? seen[token] : 0;
        if (record->status == smpp::store::MessageStatus::in_doubt) {
            ++a.in_doubt;
            if (at_sim == 1) ++a.in_doubt_at_sim;
            continue;
        }
        if (record->status != smpp::store::MessageStatus::sent) {
            ++a.wrong_status;
            a.example(token + " " + ack.message_id + " is " + std::string(smpp::store::name(record->status)));
            continue;
        }
        if (record->attempts.empty() || record->attempts.back().carrier_message_id.empty()) {
            ++a.no_carrier_id;
            a.example(token + " " + ack.message_id + " sent without a carrier message id");
            continue;
        }
        const auto& last = record->attempts.back();
        auto it = by_carrier_id.find({last.carrier, last.carrier_message_id});
        if (it == by_carrier_id.end()) {
            ++a.not_at_sim;
            a.example(token + " " + ack.message_id + " sent as " + last.carrier + "/" + last.carrier_message_id +
                      " which the sim does not have");
            continue;
        }
        if (it->second != token) {
            ++a.mismatched;
            a.example(token + " " + ack.message_id + ": the sim has " + it->second + " under " + last.carrier + "/" +
                      last.carrier_message_id);
            continue;
        }
        ++a.sent;
    }
    for (const auto& [token, n] : seen)
        if (!acked_tokens.count(token)) a.sim_not_acked += n;
    return a;
}

}  // namespace e2e
