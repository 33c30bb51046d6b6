// The Ledger contract, run against RocksDbLedger and InMemoryLedger alike.
#include "store/ledger.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "ledger_fixtures.hpp"

using namespace smpp::store;
using namespace smpp::store::test;
using std::chrono::milliseconds;

namespace {

constexpr std::int64_t day_ms = 86'400'000;
const Timestamp t0 = Timestamp(milliseconds(MessageId::epoch_unix_ms + 100 * day_ms));

Timestamp at(std::int64_t offset_ms) { return t0 + milliseconds(offset_ms); }

MessageRecord record(MessageId id, std::string account = "acme") {
    MessageRecord r;
    r.id = id;
    r.account = std::move(account);
    r.upstream_sequence_number = 7;
    r.source = {5, 0, "ACME"};
    r.destination = {1, 1, "447700900123"};
    r.payload = "hello";
    r.accepted_at = id.time();
    r.updated_at = id.time();
    return r;
}

MessageId id_at(std::int64_t offset_ms, std::uint16_t seq = 0) { return MessageId::make(at(offset_ms), 1, seq); }

template <class F>
Status accept(F& f, const MessageRecord& r) {
    return wait_for([&](Completion done) { f.get().accept(r, std::move(done)); });
}

template <class F>
Status update(F& f, MessageId id, StateChange change) {
    return wait_for([&](Completion done) { f.get().update(id, std::move(change), std::move(done)); });
}

template <class F>
Status sent(F& f, MessageId id, std::string carrier, std::string cmid, Timestamp when) {
    return wait_for([&](Completion done) { f.get().sent(id, carrier, cmid, {}, when, std::move(done)); });
}

template <class F>
Status retry(F& f, MessageId id, Timestamp when) {
    return wait_for([&](Completion done) { f.get().schedule_retry(id, when, std::move(done)); });
}

}  // namespace

TEMPLATE_TEST_CASE("ledger: accept then find", "[ledger]", MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    auto r = record(id_at(0));
    r.payload = std::string("\x00\x01\xff", 3);
    REQUIRE(accept(f, r).ok());
    auto found = f.get().find(r.id);
    REQUIRE(found.ok());
    CHECK(*found == r);

    CHECK(accept(f, r).code() == StatusCode::already_exists);
    CHECK(f.get().find(id_at(1)).status().code() == StatusCode::not_found);
    CHECK(accept(f, record(MessageId{})).code() == StatusCode::invalid_argument);
    CHECK(accept(f, record(id_at(2), std::string("a\0b", 3))).code() == StatusCode::invalid_argument);

    f.reopen();
    found = f.get().find(r.id);
    REQUIRE(found.ok());
    CHECK(*found == r);
}

TEMPLATE_TEST_CASE("ledger: state transitions and attempts", "[ledger]", MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    auto id = id_at(0);
    REQUIRE(accept(f, record(id)).ok());
    REQUIRE(update(f, id,
                   StateChange{.status = MessageStatus::queued,
                               .at = at(1),
                               .route = RouteDecision{"carrier-b", "prefix 4477"}})
                .ok());
    Attempt first{"carrier-b", "b-1", at(2), MessageStatus::sending, 0, ""};
    REQUIRE(update(f, id, StateChange{.status = MessageStatus::sending, .at = at(2), .attempt = first}).ok());
    // carrier-b refuses with ESME_RSUBMITFAIL; failover to carrier-a.
    first.status = MessageStatus::failed;
    first.command_status = 0x45;
    Attempt second{"carrier-a", "a-3", at(4), MessageStatus::sending, 0, ""};
    REQUIRE(update(f, id,
                   StateChange{.status = MessageStatus::sending,
                               .at = at(4),
                               .attempt = second,
                               .route = RouteDecision{"carrier-a", "failover: carrier-b 0x45"},
                               .error_code = 0x45})
                .ok());
    REQUIRE(sent(f, id, "carrier-a", "CA-77", at(5)).ok());
    REQUIRE(update(f, id,
                   StateChange{.status = MessageStatus::delivered, .at = at(9), .error_code = 0, .cost_micros = 4200})
                .ok());

    auto r = f.get().find(id);
    REQUIRE(r.ok());
    CHECK(r->status == MessageStatus::delivered);
    CHECK(r->route == RouteDecision{"carrier-a", "failover: carrier-b 0x45"});
    CHECK(r->updated_at == at(9));
    CHECK(r->final_at == at(9));
    CHECK(r->cost_micros == 4200);
    CHECK(r->error_code == 0);
    REQUIRE(r->attempts.size() == 2);
    CHECK(r->attempts[0] == Attempt{"carrier-b", "b-1", at(2), MessageStatus::sending, 0, ""});
    CHECK(r->attempts[1] == Attempt{"carrier-a", "a-3", at(4), MessageStatus::sent, 0, "CA-77"});

    // A duplicate receipt must not move a final record.
    CHECK(update(f, id, StateChange{.status = MessageStatus::undeliverable, .at = at(10)}).code() ==
          StatusCode::failed_precondition);
    CHECK(f.get().find(id)->status == MessageStatus::delivered);
    CHECK(update(f, id_at(99), StateChange{.status = MessageStatus::queued}).code() == StatusCode::not_found);
}

TEMPLATE_TEST_CASE("ledger: sent writes the record and the carrier-ID index together", "[ledger]",
                   MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    auto a = id_at(0), b = id_at(0, 1);
    REQUIRE(accept(f, record(a)).ok());
    REQUIRE(accept(f, record(b)).ok());
    REQUIRE(sent(f, a, "carrier-a", "0001", at(1)).ok());
    // Carriers' ids are only unique per carrier.
    REQUIRE(sent(f, b, "carrier-b", "0001", at(1)).ok());

    CHECK(f.get().find_by_carrier_id("carrier-a", "0001").value() == a);
    CHECK(f.get().find_by_carrier_id("carrier-b", "0001").value() == b);
    CHECK(f.get().find_by_carrier_id("carrier-c", "0001").status().code() == StatusCode::not_found);
    CHECK(f.get().find_by_carrier_id("carrier-a", "0002").status().code() == StatusCode::not_found);

    auto r = f.get().find(a);
    REQUIRE(r.ok());
    CHECK(r->status == MessageStatus::sent);
    REQUIRE(r->attempts.size() == 1);
    CHECK(r->attempts[0].carrier_message_id == "0001");

    // A refused sent() writes neither half.
    CHECK(sent(f, id_at(5), "carrier-a", "0009", at(2)).code() == StatusCode::not_found);
    CHECK(f.get().find_by_carrier_id("carrier-a", "0009").status().code() == StatusCode::not_found);
    REQUIRE(update(f, b, StateChange{.status = MessageStatus::delivered, .at = at(3)}).ok());
    CHECK(sent(f, b, "carrier-b", "0010", at(4)).code() == StatusCode::failed_precondition);
    CHECK(f.get().find_by_carrier_id("carrier-b", "0010").status().code() == StatusCode::not_found);
    CHECK(sent(f, a, "", "0011", at(4)).code() == StatusCode::invalid_argument);

    f.reopen();
    CHECK(f.get().find_by_carrier_id("carrier-a", "0001").value() == a);

    // A carrier's ESME_ROK without a message_id: sent all the same (it has
    // the message), the attempt closed, nothing indexed.
    auto c = id_at(6);
    REQUIRE(accept(f, record(c)).ok());
    REQUIRE(update(f, c,
                   StateChange{.status = MessageStatus::sending,
                               .at = at(5),
                               .attempt = Attempt{.carrier = "carrier-c", .at = at(5), .status = MessageStatus::sending}})
                .ok());
    REQUIRE(sent(f, c, "carrier-c", "", at(6)).ok());
    auto rc = f.get().find(c);
    REQUIRE(rc.ok());
    CHECK(rc->status == MessageStatus::sent);
    REQUIRE(rc->attempts.size() == 1);
    CHECK(rc->attempts[0].status == MessageStatus::sent);
    CHECK(rc->attempts[0].carrier_message_id.empty());
    CHECK(carrier_took(rc->attempts[0]));
    CHECK(f.get().find_by_carrier_id("carrier-c", "").status().code() == StatusCode::not_found);
}

TEMPLATE_TEST_CASE("ledger: writes queued back to back chain in order", "[ledger]", MemoryLedgerFixture,
                   RocksDbLedgerFixture) {
    TestType f;
    std::mutex m;
    std::vector<std::pair<int, Status>> results;
    auto record_result = [&](int step) {
        return [&, step](Status s) {
            std::lock_guard lock(m);
            results.emplace_back(step, std::move(s));
        };
    };
    // Queued without waiting: with RocksDB these land in one group and each
    // must see the one before it.
    constexpr int messages = 50;
    for (int i = 0; i < messages; ++i) {
        auto id = id_at(0, static_cast<std::uint16_t>(i));
        f.get().accept(record(id), record_result(i * 10));
        f.get().update(id, StateChange{.status = MessageStatus::queued, .at = at(1)}, record_result(i * 10 + 1));
        f.get().sent(id, "carrier-a", "X" + std::to_string(i), {}, at(2), record_result(i * 10 + 2));
        f.get().update(id, StateChange{.status = MessageStatus::delivered, .at = at(3)}, record_result(i * 10 + 3));
        f.get().update(id, StateChange{.status = MessageStatus::expired, .at = at(4)}, record_result(i * 10 + 4));
    }
    f.reopen();  // RocksDB: the destructor drains the queue
    REQUIRE(results.size() == 5 * messages);
    for (auto& [step, status] : results) {
        INFO("step " << step << ": " << status.to_string());
        CHECK(status.code() == (step % 10 == 4 ? StatusCode::failed_precondition : StatusCode::ok));
    }
    for (int i = 0; i < messages; ++i) {
        auto r = f.get().find(id_at(0, static_cast<std::uint16_t>(i)));
        REQUIRE(r.ok());
        CHECK(r->status == MessageStatus::delivered);
        CHECK(f.get().find_by_carrier_id("carrier-a", "X" + std::to_string(i)).value() == r->id);
    }
}

TEMPLATE_TEST_CASE("ledger: retry schedule is ordered by time, then id", "[ledger]", MemoryLedgerFixture,
                   RocksDbLedgerFixture) {
    TestType f;
    auto a = id_at(0), b = id_at(1), c = id_at(2), d = id_at(3);
    for (auto id : {a, b, c, d}) REQUIRE(accept(f, record(id)).ok());
    REQUIRE(retry(f, a, at(3000)).ok());
    REQUIRE(retry(f, b, at(1000)).ok());
    REQUIRE(retry(f, c, at(2000)).ok());
    REQUIRE(retry(f, d, at(1000)).ok());

    CHECK(f.get().due_retries(at(999), 10).value().empty());
    CHECK(f.get().due_retries(at(1000), 10).value() == std::vector<MessageId>{b, d});
    CHECK(f.get().due_retries(at(2500), 10).value() == std::vector<MessageId>{b, d, c});
    CHECK(f.get().due_retries(at(9999), 2).value() == std::vector<MessageId>{b, d});
    CHECK(f.get().find(a)->status == MessageStatus::queued);
    CHECK(f.get().find(a)->retry_at == at(3000));

    // Rescheduling moves the entry; a state change takes it off the schedule.
    REQUIRE(retry(f, b, at(5000)).ok());
    REQUIRE(update(f, d, StateChange{.status = MessageStatus::sending, .at = at(1001)}).ok());
    CHECK(f.get().due_retries(at(9999), 10).value() == std::vector<MessageId>{c, a, b});
    REQUIRE(sent(f, c, "carrier-a", "C", at(2001)).ok());
    REQUIRE(update(f, a, StateChange{.status = MessageStatus::failed, .at = at(3001)}).ok());
    CHECK(f.get().due_retries(at(9999), 10).value() == std::vector<MessageId>{b});
    CHECK(retry(f, a, at(4000)).code() == StatusCode::failed_precondition);
    CHECK(retry(f, id_at(50), at(4000)).code() == StatusCode::not_found);

    f.reopen();
    CHECK(f.get().due_retries(at(9999), 10).value() == std::vector<MessageId>{b});
}

TEMPLATE_TEST_CASE("ledger: receipts parked for an unbound upstream", "[ledger]", MemoryLedgerFixture,
                   RocksDbLedgerFixture) {
    TestType f;
    auto park = [&](PendingReceipt r) {
        return wait_for([&](Completion done) { f.get().park_receipt(r, std::move(done)); });
    };
    auto remove = [&](std::string account, MessageId id) {
        return wait_for([&](Completion done) { f.get().remove_receipt(account, id, std::move(done)); });
    };
    PendingReceipt r2{"acme", id_at(2), MessageStatus::delivered, 0, at(10)};
    PendingReceipt r1{"acme", id_at(1), MessageStatus::undeliverable, 0x0B, at(11)};
    PendingReceipt other{"acme2", id_at(0), MessageStatus::expired, 0, at(12)};
    REQUIRE(park(r2).ok());
    REQUIRE(park(r1).ok());
    REQUIRE(park(other).ok());
    CHECK(park(PendingReceipt{std::string("ac\0me", 5), id_at(3)}).code() == StatusCode::invalid_argument);

    CHECK(f.get().pending_receipts("acme", 10).value() == std::vector<PendingReceipt>{r1, r2});
    CHECK(f.get().pending_receipts("acme", 1).value() == std::vector<PendingReceipt>{r1});
    CHECK(f.get().pending_receipts("acme2", 10).value() == std::vector<PendingReceipt>{other});
    CHECK(f.get().pending_receipts("acm", 10).value().empty());
    // A reader's own in-flight ids are passed over before `limit` counts.
    const auto not_r1 = [&](MessageId id) { return id == r1.id; };
    CHECK(f.get().pending_receipts("acme", 1, not_r1).value() == std::vector<PendingReceipt>{r2});
    CHECK(f.get().pending_receipts("acme", 10, [](MessageId) { return true; }).value().empty());

    f.reopen();
    REQUIRE(remove("acme", r1.id).ok());
    REQUIRE(remove("acme", r1.id).ok());  // delivered twice: still fine
    CHECK(f.get().pending_receipts("acme", 10).value() == std::vector<PendingReceipt>{r2});
}

TEMPLATE_TEST_CASE("ledger: the accounts owed receipts or MOs, also after a restart", "[ledger]",
                   MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    using Names = std::vector<std::string>;
    CHECK(f.get().owed_accounts().value().empty());
    const PendingReceipt r{"zeta", id_at(1), MessageStatus::delivered, 0, at(10)};
    REQUIRE(wait_for([&](Completion done) { f.get().park_receipt(r, std::move(done)); }).ok());
    REQUIRE(wait_for([&](Completion done) {
                f.get().park_receipt(PendingReceipt{"zeta", id_at(2)}, std::move(done));
            }).ok());
    const MobileOriginated mo{.id = id_at(3), .account = "alpha", .payload = "STOP", .received_at = at(3)};
    REQUIRE(wait_for([&](Completion done) { f.get().park_mo(mo, std::move(done)); }).ok());
    CHECK(f.get().owed_accounts().value() == Names{"alpha", "zeta"});
    f.reopen();
    CHECK(f.get().owed_accounts().value() == Names{"alpha", "zeta"});
    REQUIRE(wait_for([&](Completion done) { f.get().remove_mo("alpha", mo.id, std::move(done)); }).ok());
    REQUIRE(wait_for([&](Completion done) { f.get().remove_receipt("zeta", r.id, std::move(done)); }).ok());
    CHECK(f.get().owed_accounts().value() == Names{"zeta"});
}

TEMPLATE_TEST_CASE("ledger: several receipts of an account removed in one write", "[ledger]", MemoryLedgerFixture,
                   RocksDbLedgerFixture) {
    TestType f;
    std::vector<PendingReceipt> parked;
    for (std::uint16_t i = 0; i < 5; ++i) {
        parked.push_back(PendingReceipt{"acme", id_at(1, i), MessageStatus::delivered, 0, at(10 + i)});
        REQUIRE(wait_for([&](Completion done) { f.get().park_receipt(parked.back(), std::move(done)); }).ok());
    }
    auto remove = [&](std::string account, std::vector<MessageId> ids) {
        return wait_for([&](Completion done) { f.get().remove_receipts(account, ids, std::move(done)); });
    };
    // One never parked, and another account's: both fine, neither touches the rest.
    REQUIRE(remove("acme", {parked[0].id, parked[3].id, id_at(9)}).ok());
    REQUIRE(remove("acme2", {parked[1].id}).ok());
    REQUIRE(remove("acme", {}).ok());
    const std::vector<PendingReceipt> left{parked[1], parked[2], parked[4]};
    CHECK(f.get().pending_receipts("acme", 10).value() == left);
    f.reopen();
    CHECK(f.get().pending_receipts("acme", 10).value() == left);
    REQUIRE(remove("acme", {parked[1].id, parked[1].id, parked[4].id}).ok());  // twice in one batch: fine
    CHECK(f.get().pending_receipts("acme", 10).value() == std::vector<PendingReceipt>{parked[2]});
}

TEMPLATE_TEST_CASE("ledger: a forwarded receipt is removed only while it is still the one parked", "[ledger]",
                   MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    auto park = [&](const PendingReceipt& r) {
        REQUIRE(wait_for([&](Completion done) { f.get().park_receipt(r, std::move(done)); }).ok());
    };
    auto remove = [&](std::vector<PendingReceipt> forwarded) {
        std::vector<ReceiptStamp> stamps;
        for (const auto& r : forwarded) stamps.push_back(stamp_of(r));
        return wait_for([&](Completion done) { f.get().remove_forwarded_receipts("acme", stamps, std::move(done)); });
    };
    const PendingReceipt enroute{"acme", id_at(1), MessageStatus::sent, 0, at(10)};
    const PendingReceipt delivered{"acme", id_at(1), MessageStatus::delivered, 0, at(20)};
    const PendingReceipt other{"acme", id_at(2), MessageStatus::delivered, 0, at(21)};
    park(enroute);
    park(other);
    const auto read = f.get().pending_receipts("acme", 10).value();
    REQUIRE(read == std::vector<PendingReceipt>{enroute, other});
    // The final receipt arrives while the intermediate is with the upstream.
    park(delivered);
    // The upstream acknowledges the intermediate: the final one stays.
    REQUIRE(remove({read[0], read[1]}).ok());
    CHECK(f.get().pending_receipts("acme", 10).value() == std::vector<PendingReceipt>{delivered});
    f.reopen();
    CHECK(f.get().pending_receipts("acme", 10).value() == std::vector<PendingReceipt>{delivered});
    REQUIRE(remove({delivered}).ok());
    CHECK(f.get().pending_receipts("acme", 10).value().empty());
    REQUIRE(remove({delivered}).ok());  // gone already: fine

    // Queued back to back, unwaited: the removal sees the park before it
    // (in one group, or the group before still being written).
    f.get().park_receipt(enroute, [](Status) {});
    f.get().park_receipt(delivered, [](Status) {});
    REQUIRE(remove({enroute}).ok());
    CHECK(f.get().pending_receipts("acme", 10).value() == std::vector<PendingReceipt>{delivered});
}

TEMPLATE_TEST_CASE("ledger: opt-outs per account", "[ledger]", MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    auto add = [&](std::string account, std::string msisdn) {
        return wait_for([&](Completion done) { f.get().add_opt_out(account, msisdn, std::move(done)); });
    };
    auto remove = [&](std::string account, std::string msisdn) {
        return wait_for([&](Completion done) { f.get().remove_opt_out(account, msisdn, std::move(done)); });
    };
    CHECK_FALSE(f.get().is_opted_out("acme", "447700900123").value());
    REQUIRE(add("acme", "447700900123").ok());
    REQUIRE(add("acme", "447700900123").ok());
    CHECK(f.get().is_opted_out("acme", "447700900123").value());
    CHECK_FALSE(f.get().is_opted_out("acme2", "447700900123").value());
    CHECK_FALSE(f.get().is_opted_out("acme", "44770090012").value());
    CHECK(add(std::string("a\0", 2), "1").code() == StatusCode::invalid_argument);
    f.reopen();
    CHECK(f.get().is_opted_out("acme", "447700900123").value());
    REQUIRE(remove("acme", "447700900123").ok());
    REQUIRE(remove("acme", "447700900123").ok());
    CHECK_FALSE(f.get().is_opted_out("acme", "447700900123").value());
}

TEMPLATE_TEST_CASE("ledger: accept_all stores every record in one write, or none", "[ledger]", MemoryLedgerFixture,
                   RocksDbLedgerFixture) {
    TestType f;
    auto all = [&](std::vector<MessageRecord> records) {
        return wait_for([&](Completion done) { f.get().accept_all(std::move(records), std::move(done)); });
    };
    const auto taken = id_at(5);
    REQUIRE(accept(f, record(taken)).ok());
    // One id taken already (below the highest accepted, so it is read), one
    // repeated within the list, one record that is not acceptable: each
    // refuses the whole list and stores nothing of it.
    CHECK(all({record(id_at(1)), record(taken), record(id_at(2))}).code() == StatusCode::already_exists);
    CHECK(all({record(id_at(10)), record(id_at(10))}).code() == StatusCode::already_exists);
    auto bad = record(id_at(12));
    bad.account = std::string("a\0", 2);  // a NUL cannot be part of a key
    CHECK_FALSE(all({record(id_at(11)), bad}).ok());
    f.reopen();
    for (auto id : {id_at(1), id_at(2), id_at(10), id_at(11), id_at(12)})
        CHECK(f.get().find(id).status().code() == StatusCode::not_found);
    // All acceptable: all stored, and durable.
    REQUIRE(all({record(id_at(20)), record(id_at(21)), record(id_at(3))}).ok());
    f.reopen();
    for (auto id : {id_at(20), id_at(21), id_at(3)}) CHECK(f.get().find(id).ok());
    CHECK(all({}).ok());
}

TEMPLATE_TEST_CASE("ledger: update_all changes every record in one write, or none", "[ledger]", MemoryLedgerFixture,
                   RocksDbLedgerFixture) {
    TestType f;
    const auto a = id_at(1), b = id_at(2), c = id_at(3);
    for (auto id : {a, b, c}) REQUIRE(accept(f, record(id)).ok());
    const Attempt attempt{"carrier-a", "a-1", at(11), MessageStatus::sending, 0, ""};
    REQUIRE(update(f, c, StateChange{.status = MessageStatus::sending, .at = at(11), .attempt = attempt}).ok());
    auto cancel = [&](MessageId id) {
        return std::pair{id, StateChange{.status = MessageStatus::cancelled,
                                         .at = at(20),
                                         .only_from = {MessageStatus::accepted, MessageStatus::queued}}};
    };
    auto all = [&](std::vector<std::pair<MessageId, StateChange>> changes) {
        return wait_for([&](Completion done) { f.get().update_all(std::move(changes), std::move(done)); });
    };
    // c is `sending`: the cancel of a, b and c is refused whole.
    CHECK_FALSE(all({cancel(a), cancel(b), cancel(c)}).ok());
    CHECK(all({cancel(a), cancel(id_at(9))}).code() == StatusCode::not_found);
    f.reopen();
    CHECK(f.get().find(a)->status == MessageStatus::accepted);
    CHECK(f.get().find(b)->status == MessageStatus::accepted);
    REQUIRE(all({cancel(a), cancel(b)}).ok());
    f.reopen();
    CHECK(f.get().find(a)->status == MessageStatus::cancelled);
    CHECK(f.get().find(b)->status == MessageStatus::cancelled);
    CHECK(f.get().find(c)->status == MessageStatus::sending);
}

TEMPLATE_TEST_CASE("ledger: recover resumes queued work and marks sending in-doubt", "[ledger]",
                   MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    auto accepted = id_at(0), queued = id_at(1), scheduled = id_at(2), sending = id_at(3), was_sent = id_at(4),
         doubt = id_at(5), delivered = id_at(6);
    for (auto id : {accepted, queued, scheduled, sending, was_sent, doubt, delivered}) REQUIRE(accept(f, record(id)).ok());
    REQUIRE(update(f, queued, StateChange{.status = MessageStatus::queued, .at = at(10)}).ok());
    REQUIRE(retry(f, scheduled, at(60'000)).ok());
    Attempt attempt{"carrier-a", "a-1", at(11), MessageStatus::sending, 0, ""};
    REQUIRE(update(f, sending, StateChange{.status = MessageStatus::sending, .at = at(11), .attempt = attempt}).ok());
    REQUIRE(sent(f, was_sent, "carrier-a", "S", at(12)).ok());
    REQUIRE(update(f, doubt, StateChange{.status = MessageStatus::in_doubt, .at = at(13)}).ok());
    REQUIRE(update(f, delivered, StateChange{.status = MessageStatus::delivered, .at = at(14)}).ok());

    f.reopen();  // kill -9 and restart, as far as the ledger is concerned
    auto recovery = f.get().recover(at(1000), Timestamp{});
    REQUIRE(recovery.ok());
    std::vector<MessageId> resume, in_doubt;
    for (auto& r : recovery->resume) resume.push_back(r.id);
    for (auto& r : recovery->in_doubt) in_doubt.push_back(r.id);
    CHECK(resume == std::vector<MessageId>{accepted, queued, scheduled});
    CHECK(in_doubt == std::vector<MessageId>{sending, doubt});
    CHECK(recovery->in_doubt[0].status == MessageStatus::in_doubt);
    CHECK(recovery->in_doubt[0].updated_at == at(1000));
    CHECK(recovery->in_doubt[0].attempts.size() == 1);
    CHECK(recovery->resume[2].retry_at == at(60'000));

    f.reopen();
    CHECK(f.get().find(sending)->status == MessageStatus::in_doubt);
    CHECK(f.get().find(was_sent)->status == MessageStatus::sent);
    CHECK(f.get().due_retries(at(60'000), 10).value() == std::vector<MessageId>{scheduled});
    // A second recovery finds nothing new to mark.
    auto again = f.get().recover(at(2000), Timestamp{});
    REQUIRE(again.ok());
    CHECK(again->in_doubt.size() == 2);
    CHECK(again->in_doubt[0].updated_at == at(1000));
}

TEMPLATE_TEST_CASE("ledger: recover names the concatenated parts carriers have since a time", "[ledger]",
                   MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    // Parts 1-4 of one message (ref 9, 5 parts), a single-part message, and
    // a part of another message sent before `since`.
    auto part = [](MessageId id, std::uint8_t number) {
        auto r = record(id);
        r.concatenation = Concatenation{9, 5, number};
        return r;
    };
    auto sent_1 = id_at(0), sending_2 = id_at(1), doubt_3 = id_at(2), queued_4 = id_at(3), single = id_at(4),
         old = id_at(5);
    for (auto [id, n] : {std::pair{sent_1, 1}, {sending_2, 2}, {doubt_3, 3}, {queued_4, 4}})
        REQUIRE(accept(f, part(id, static_cast<std::uint8_t>(n))).ok());
    REQUIRE(accept(f, record(single)).ok());
    auto other = part(old, 1);
    other.concatenation->reference = 10;
    REQUIRE(accept(f, other).ok());
    const Attempt to_b{"carrier-b", "b-1", at(10), MessageStatus::sending, 0, ""};
    REQUIRE(update(f, sent_1, StateChange{.status = MessageStatus::sending, .at = at(10), .attempt = to_b}).ok());
    REQUIRE(sent(f, sent_1, "carrier-b", "S1", at(11)).ok());
    Attempt to_b2 = to_b;
    to_b2.at = at(12);
    REQUIRE(update(f, sending_2, StateChange{.status = MessageStatus::sending, .at = at(12), .attempt = to_b2}).ok());
    Attempt to_c = to_b2;
    to_c.carrier = "carrier-c";
    REQUIRE(update(f, doubt_3, StateChange{.status = MessageStatus::sending, .at = at(12), .attempt = to_c}).ok());
    REQUIRE(update(f, doubt_3, StateChange{.status = MessageStatus::in_doubt, .at = at(13)}).ok());
    REQUIRE(update(f, queued_4, StateChange{.status = MessageStatus::queued, .at = at(13)}).ok());
    REQUIRE(update(f, single, StateChange{.status = MessageStatus::sending, .at = at(12), .attempt = to_b2}).ok());
    REQUIRE(sent(f, single, "carrier-b", "S5", at(13)).ok());
    Attempt early = to_b;
    early.at = at(1);
    REQUIRE(update(f, old, StateChange{.status = MessageStatus::sending, .at = at(1), .attempt = early}).ok());
    REQUIRE(sent(f, old, "carrier-b", "S6", at(2)).ok());

    f.reopen();
    auto recovery = f.get().recover(at(1000), at(5));
    REQUIRE(recovery.ok());
    std::vector<std::pair<int, std::string>> taken;
    for (const auto& t : recovery->taken_parts) {
        CHECK(t.account == "acme");
        CHECK(t.source == "ACME");
        CHECK(t.destination == "447700900123");
        CHECK(t.part.reference == 9);
        CHECK(t.part.total == 5);
        CHECK(t.at >= at(5));
        taken.emplace_back(t.part.number, t.carrier);
    }
    std::sort(taken.begin(), taken.end());
    // Sent, sending (now in doubt) and in doubt; not queued, not a single
    // part, not one sent before `since`.
    CHECK(taken == std::vector<std::pair<int, std::string>>{{1, "carrier-b"}, {2, "carrier-b"}, {3, "carrier-c"}});
    CHECK(recovery->resume.size() == 1);
    // Everything since the epoch: the old one too.
    f.reopen();
    CHECK(f.get().recover(at(2000), Timestamp{})->taken_parts.size() == 4);
}

TEMPLATE_TEST_CASE("ledger: retention drops only final records older than the cutoff", "[ledger]",
                   MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    auto old_final_1 = id_at(0), old_open = id_at(1), old_final_2 = id_at(2), old_open_2 = id_at(3),
         old_final_3 = id_at(4), new_final = id_at(40 * day_ms), new_open = id_at(40 * day_ms + 1);
    for (auto id : {old_final_1, old_open, old_final_2, old_open_2, old_final_3, new_final, new_open})
        REQUIRE(accept(f, record(id)).ok());
    int n = 0;
    for (auto id : {old_final_1, old_open, old_final_2, old_open_2, old_final_3, new_final})
        REQUIRE(sent(f, id, "carrier-a", "C" + std::to_string(n++), id.time()).ok());
    for (auto id : {old_final_1, old_final_2, old_final_3, new_final})
        REQUIRE(update(f, id, StateChange{.status = MessageStatus::delivered, .at = id.time()}).ok());

    auto cutoff = at(40 * day_ms);  // new_final was minted exactly at the cutoff: kept
    REQUIRE(wait_for([&](Completion done) { f.get().drop_final_older_than(cutoff, std::move(done)); }).ok());

    for (auto id : {old_final_1, old_final_2, old_final_3})
        CHECK(f.get().find(id).status().code() == StatusCode::not_found);
    for (auto id : {old_open, old_open_2, new_final, new_open}) CHECK(f.get().find(id).ok());
    CHECK(f.get().find_by_carrier_id("carrier-a", "C0").status().code() == StatusCode::not_found);
    CHECK(f.get().find_by_carrier_id("carrier-a", "C1").value() == old_open);
    CHECK(f.get().find_by_carrier_id("carrier-a", "C2").status().code() == StatusCode::not_found);
    CHECK(f.get().find_by_carrier_id("carrier-a", "C3").value() == old_open_2);
    CHECK(f.get().find_by_carrier_id("carrier-a", "C5").value() == new_final);

    // The straggler finishes; the next sweep takes it.
    REQUIRE(update(f, old_open, StateChange{.status = MessageStatus::expired, .at = at(41 * day_ms)}).ok());
    REQUIRE(wait_for([&](Completion done) { f.get().drop_final_older_than(cutoff, std::move(done)); }).ok());
    f.reopen();
    CHECK(f.get().find(old_open).status().code() == StatusCode::not_found);
    CHECK(f.get().find(old_open_2).ok());
    CHECK(f.get().find(new_final).ok());
    auto recovery = f.get().recover(at(41 * day_ms), Timestamp{});
    REQUIRE(recovery.ok());
    CHECK(recovery->resume.size() == 1);  // new_open, still accepted
}

namespace {

template <class F>
StatusOr<ReceiptMatch> receipt(F& f, CarrierReceipt c) {
    std::promise<StatusOr<ReceiptMatch>> done;
    auto result = done.get_future();
    f.get().apply_receipt(std::move(c), [&done](StatusOr<ReceiptMatch> m) { done.set_value(std::move(m)); });
    return result.get();
}

CarrierReceipt carrier_receipt(std::string carrier, std::vector<std::string> keys, MessageStatus status,
                               std::int64_t received_ms) {
    CarrierReceipt c;
    c.carrier = std::move(carrier);
    c.carrier_message_id = keys.front();
    c.keys = std::move(keys);
    c.status = status;
    c.received_at = at(received_ms);
    c.done_at = at(received_ms - 5);
    c.raw = "id:" + c.carrier_message_id + " stat:" + std::string(name(status));
    return c;
}

// A listener that may run on the ledger's writer thread.
struct LateMatches {
    std::mutex mutex;
    std::vector<ReceiptMatch> seen;
    ReceiptListener listener() {
        return [this](const ReceiptMatch& m) {
            std::lock_guard lock(mutex);
            seen.push_back(m);
        };
    }
    std::vector<ReceiptMatch> get() {
        std::lock_guard lock(mutex);
        return seen;
    }
};

}  // namespace

TEMPLATE_TEST_CASE("ledger: a receipt matches its record through the carrier-ID index", "[ledger][receipts]",
                   MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    auto r = record(id_at(0));
    r.registered_delivery = 1;
    REQUIRE(accept(f, r).ok());
    REQUIRE(sent(f, r.id, "carrier-a", "00AB12", at(1)).ok());

    // The second key is the normalised one sent() indexed ("00AB12" as written).
    auto m = receipt(f, carrier_receipt("carrier-a", {"nope", "00AB12"}, MessageStatus::delivered, 10));
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::matched);
    CHECK(m->id == r.id);
    CHECK(m->account == "acme");
    CHECK(m->owes_upstream);
    // What health per carrier x country needs.
    CHECK(m->carrier == "carrier-a");
    CHECK(m->destination == "447700900123");
    CHECK(m->sent_at == at(1));
    CHECK(m->reported == MessageStatus::delivered);
    auto found = f.get().find(r.id);
    REQUIRE(found.ok());
    CHECK(found->status == MessageStatus::delivered);
    CHECK(found->final_at == at(10));
    auto owed = f.get().pending_receipts("acme", 10);
    REQUIRE(owed.ok());
    REQUIRE(owed->size() == 1);
    CHECK((*owed)[0].id == r.id);
    CHECK((*owed)[0].status == MessageStatus::delivered);
    CHECK((*owed)[0].done_at == at(5));

    // The same receipt again, or a contradicting one, is absorbed.
    m = receipt(f, carrier_receipt("carrier-a", {"00AB12"}, MessageStatus::delivered, 20));
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::duplicate);
    CHECK_FALSE(m->owes_upstream);
    m = receipt(f, carrier_receipt("carrier-a", {"00AB12"}, MessageStatus::undeliverable, 30));
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::duplicate);
    CHECK(f.get().find(r.id)->status == MessageStatus::delivered);

    // Another carrier's id space is another index.
    m = receipt(f, carrier_receipt("carrier-b", {"00AB12"}, MessageStatus::delivered, 40));
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::parked);

    // Every receipt is kept raw, in arrival order, across a restart.
    f.reopen();
    auto raw = f.get().raw_receipts(at(0), 10);
    REQUIRE(raw.ok());
    REQUIRE(raw->size() == 4);
    CHECK((*raw)[0].keys == std::vector<std::string>{"nope", "00AB12"});
    CHECK((*raw)[3].carrier == "carrier-b");
    CHECK((*raw)[2].raw == "id:00AB12 stat:undeliverable");

    // A replay of a kept copy that finds its record drops the parking it got
    // when it came (and only that receipt's: same received_at and text).
    {
        auto came = carrier_receipt("carrier-a", {"WRONG-00AB12"}, MessageStatus::delivered, 50);
        REQUIRE(receipt(f, came)->outcome == receipt_outcome::parked);
        auto other = carrier_receipt("carrier-a", {"OTHER"}, MessageStatus::delivered, 51);
        REQUIRE(receipt(f, other)->outcome == receipt_outcome::parked);
        auto again = came;
        again.keep_raw = false;
        again.parked_under = {"WRONG-00AB12", "OTHER"};
        again.keys = {"00AB12"};
        auto back = receipt(f, again);
        REQUIRE(back.ok());
        CHECK(back->outcome == receipt_outcome::duplicate);  // the record was already delivered
        auto left = f.get().unmatched_receipts("carrier-a", 10);
        REQUIRE(left->size() == 1);
        CHECK(left->front().keys == std::vector<std::string>{"OTHER"});
        f.reopen();
        CHECK(f.get().unmatched_receipts("carrier-a", 10)->size() == 1);
    }

    // A replay of a kept copy (keep_raw false) is applied, and not kept twice.
    auto replayed = carrier_receipt("carrier-b", {"00AB12"}, MessageStatus::delivered, 40);
    replayed.keep_raw = false;
    m = receipt(f, replayed);
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::parked);
    f.reopen();
    CHECK(f.get().raw_receipts(at(0), 10)->size() == 6);
}

TEMPLATE_TEST_CASE("ledger: a receipt before submit_sm_resp is parked and taken by sent()", "[ledger][receipts]",
                   MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    LateMatches late;
    f.get().set_receipt_listener(late.listener());
    auto r = record(id_at(0));
    r.registered_delivery = 2;  // failure only
    REQUIRE(accept(f, r).ok());

    auto m = receipt(f, carrier_receipt("carrier-a", {"4660", "1234"}, MessageStatus::undeliverable, 3));
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::parked);
    // An intermediate notification does not replace a parked final receipt.
    m = receipt(f, carrier_receipt("carrier-a", {"4660", "1234"}, MessageStatus::sent, 4));
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::parked);
    auto parked = f.get().unmatched_receipts("carrier-a", 10);
    REQUIRE(parked.ok());
    REQUIRE(parked->size() == 1);
    CHECK((*parked)[0].status == MessageStatus::undeliverable);

    // Durable across a restart, then sent() indexes the second key.
    f.reopen();
    f.get().set_receipt_listener(late.listener());
    REQUIRE(sent(f, r.id, "carrier-a", "1234", at(5)).ok());
    auto found = f.get().find(r.id);
    REQUIRE(found.ok());
    CHECK(found->status == MessageStatus::undeliverable);
    CHECK(found->attempts.back().carrier_message_id == "1234");
    REQUIRE(late.get().size() == 1);
    CHECK(late.get()[0].outcome == receipt_outcome::matched);
    CHECK(late.get()[0].id == r.id);
    CHECK(late.get()[0].owes_upstream);
    CHECK(f.get().pending_receipts("acme", 10)->size() == 1);
    // Gone from every key it was parked under.
    CHECK(f.get().unmatched_receipts("carrier-a", 10)->empty());
}

TEMPLATE_TEST_CASE("ledger: early receipts whose ids read as each other keep their own parking",
                   "[ledger][receipts]", MemoryLedgerFixture, RocksDbLedgerFixture) {
    // A decimal "10" read as hex is "16"; "16" read as decimal-to-hex is "10".
    // Both receipts come before their submit_sm_resp.
    TestType f;
    LateMatches late;
    f.get().set_receipt_listener(late.listener());
    auto ten = record(id_at(0));
    auto sixteen = record(id_at(1));
    REQUIRE(accept(f, ten).ok());
    REQUIRE(accept(f, sixteen).ok());
    REQUIRE(receipt(f, carrier_receipt("carrier-a", {"10", "16", "a"}, MessageStatus::delivered, 3))->outcome ==
            receipt_outcome::parked);
    REQUIRE(receipt(f, carrier_receipt("carrier-a", {"16", "22", "10"}, MessageStatus::undeliverable, 4))->outcome ==
            receipt_outcome::parked);
    auto parked = f.get().unmatched_receipts("carrier-a", 10);
    REQUIRE(parked.ok());
    CHECK(parked->size() == 2);  // each still under its own first key

    f.reopen();
    f.get().set_receipt_listener(late.listener());
    REQUIRE(sent(f, ten.id, "carrier-a", "10", at(5)).ok());
    CHECK(f.get().find(ten.id)->status == MessageStatus::delivered);
    // Taking "10" did not drop the "16" receipt's parking under "16".
    REQUIRE(f.get().unmatched_receipts("carrier-a", 10)->size() == 1);
    REQUIRE(sent(f, sixteen.id, "carrier-a", "16", at(6)).ok());
    CHECK(f.get().find(sixteen.id)->status == MessageStatus::undeliverable);
    CHECK(f.get().unmatched_receipts("carrier-a", 10)->empty());
    REQUIRE(late.get().size() == 2);
    CHECK(late.get()[0].id == ten.id);
    CHECK(late.get()[1].id == sixteen.id);

    // An alternate reading still matches when no receipt has it as its own.
    auto hex = record(id_at(2));
    REQUIRE(accept(f, hex).ok());
    REQUIRE(receipt(f, carrier_receipt("carrier-a", {"ff", "255"}, MessageStatus::delivered, 7))->outcome ==
            receipt_outcome::parked);
    REQUIRE(sent(f, hex.id, "carrier-a", "255", at(8)).ok());
    CHECK(f.get().find(hex.id)->status == MessageStatus::delivered);
    CHECK(f.get().unmatched_receipts("carrier-a", 10)->empty());
}

TEMPLATE_TEST_CASE("ledger: a receipt parked before a message's submit_sm left is not that message's",
                   "[ledger][receipts]", MemoryLedgerFixture, RocksDbLedgerFixture) {
    // Before, a receipt parked under a carrier id no message had (or under
    // an alternate reading of its id) stayed for retention_days, and the
    // first later message given that id took it: it became undeliverable,
    // and its own receipt was absorbed as a duplicate.
    TestType f;
    LateMatches late;
    f.get().set_receipt_listener(late.listener());
    REQUIRE(receipt(f, carrier_receipt("carrier-a", {"77", "119"}, MessageStatus::undeliverable, 10))->outcome ==
            receipt_outcome::parked);

    // A day later two messages get those ids (the canonical one and the
    // alternate reading), each from a submit_sm that left after the receipt came.
    auto sending = [&](const MessageRecord& r, std::int64_t at_ms) {
        REQUIRE(accept(f, r).ok());
        REQUIRE(update(f, r.id,
                       StateChange{.status = MessageStatus::sending,
                                   .at = at(at_ms),
                                   .attempt = Attempt{.carrier = "carrier-a", .at = at(at_ms)}})
                    .ok());
    };
    auto first = record(id_at(day_ms, 1));
    first.registered_delivery = 1;
    auto second = record(id_at(day_ms, 2));
    second.registered_delivery = 1;
    sending(first, day_ms + 1);
    sending(second, day_ms + 1);
    f.reopen();
    f.get().set_receipt_listener(late.listener());
    REQUIRE(sent(f, first.id, "carrier-a", "77", at(day_ms + 2)).ok());
    REQUIRE(sent(f, second.id, "carrier-a", "119", at(day_ms + 2)).ok());
    CHECK(f.get().find(first.id)->status == MessageStatus::sent);
    CHECK(f.get().find(second.id)->status == MessageStatus::sent);
    CHECK(late.get().empty());
    CHECK(f.get().pending_receipts("acme", 10)->empty());
    CHECK(f.get().unmatched_receipts("carrier-a", 10)->size() == 1);  // left to expire

    // Their own receipts find them.
    auto m = receipt(f, carrier_receipt("carrier-a", {"77"}, MessageStatus::delivered, day_ms + 3));
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::matched);
    CHECK(m->id == first.id);
    CHECK(f.get().find(first.id)->status == MessageStatus::delivered);

    // A receipt that beat its submit_sm_resp is taken, also one stamped a
    // little before the submit_sm's attempt (a clock step back between the
    // two), but not one from before that allowance.
    auto early = record(id_at(2 * day_ms, 1));
    auto stepped = record(id_at(2 * day_ms, 2));
    auto stale = record(id_at(2 * day_ms, 3));
    const auto allowance = receipt_clock_allowance.count();
    REQUIRE(receipt(f, carrier_receipt("carrier-a", {"e1"}, MessageStatus::delivered, 2 * day_ms + 20))->outcome ==
            receipt_outcome::parked);
    REQUIRE(receipt(f, carrier_receipt("carrier-a", {"e2"}, MessageStatus::delivered,
                                       2 * day_ms + 100 - allowance + 1))
                ->outcome == receipt_outcome::parked);
    REQUIRE(receipt(f, carrier_receipt("carrier-a", {"e3"}, MessageStatus::delivered, 2 * day_ms + 100 - allowance - 1))
                ->outcome == receipt_outcome::parked);
    sending(early, 2 * day_ms + 10);
    sending(stepped, 2 * day_ms + 100);
    sending(stale, 2 * day_ms + 100);
    REQUIRE(sent(f, early.id, "carrier-a", "e1", at(2 * day_ms + 30)).ok());
    REQUIRE(sent(f, stepped.id, "carrier-a", "e2", at(2 * day_ms + 130)).ok());
    REQUIRE(sent(f, stale.id, "carrier-a", "e3", at(2 * day_ms + 130)).ok());
    CHECK(f.get().find(early.id)->status == MessageStatus::delivered);
    CHECK(f.get().find(stepped.id)->status == MessageStatus::delivered);
    CHECK(f.get().find(stale.id)->status == MessageStatus::sent);

    // An attempt the carrier refused is no submit_sm it has: the bound is
    // the attempt that reached it.
    auto refused_first = record(id_at(3 * day_ms, 1));
    REQUIRE(receipt(f, carrier_receipt("carrier-a", {"r1"}, MessageStatus::delivered, 3 * day_ms + 50))->outcome ==
            receipt_outcome::parked);
    sending(refused_first, 3 * day_ms + 10);
    REQUIRE(update(f, refused_first.id,
                   StateChange{.status = MessageStatus::sending,
                               .at = at(3 * day_ms + 60'000),
                               .attempt = Attempt{.carrier = "carrier-a", .at = at(3 * day_ms + 60'000)},
                               .last_attempt_refused = 0x58})
                .ok());
    REQUIRE(sent(f, refused_first.id, "carrier-a", "r1", at(3 * day_ms + 60'010)).ok());
    CHECK(f.get().find(refused_first.id)->status == MessageStatus::sent);
}

TEMPLATE_TEST_CASE("ledger: an alternate reading of a receipt's id that finds a message already done, or one sent "
                   "after the receipt came, keeps looking, then parks it",
                   "[ledger][receipts]", MemoryLedgerFixture, RocksDbLedgerFixture) {
    // Before, the first key with an index entry took the receipt: decimal
    // "100" read as hex is "256", written as hex "64"; with message "64"
    // delivered, the receipt for "100" that beat its submit_sm_resp was
    // absorbed there as a duplicate, and message "100" waited for its
    // receipt timeout.
    TestType f;
    LateMatches late;
    f.get().set_receipt_listener(late.listener());
    auto done = record(id_at(0, 1));
    REQUIRE(accept(f, done).ok());
    REQUIRE(sent(f, done.id, "carrier-a", "64", at(1)).ok());
    REQUIRE(receipt(f, carrier_receipt("carrier-a", {"64", "100"}, MessageStatus::delivered, 2))->outcome ==
            receipt_outcome::matched);
    auto hundred = record(id_at(0, 2));
    hundred.registered_delivery = 1;
    REQUIRE(accept(f, hundred).ok());

    auto m = receipt(f, carrier_receipt("carrier-a", {"100", "256", "64"}, MessageStatus::undeliverable, 3));
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::parked);
    CHECK(f.get().find(done.id)->status == MessageStatus::delivered);
    f.reopen();
    f.get().set_receipt_listener(late.listener());
    REQUIRE(sent(f, hundred.id, "carrier-a", "100", at(4)).ok());
    CHECK(f.get().find(hundred.id)->status == MessageStatus::undeliverable);
    REQUIRE(late.get().size() == 1);
    CHECK(late.get()[0].id == hundred.id);
    CHECK(f.get().pending_receipts("acme", 10)->size() == 1);

    // Under its own reading a message that is done still absorbs it: the
    // carrier's copy of a receipt already applied.
    m = receipt(f, carrier_receipt("carrier-a", {"64", "100"}, MessageStatus::delivered, 5));
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::duplicate);
    CHECK(m->id == done.id);

    // An alternate reading that finds a message still waiting takes it (the
    // carrier wrote its ids in the other base).
    auto other_base = record(id_at(0, 3));
    REQUIRE(accept(f, other_base).ok());
    REQUIRE(sent(f, other_base.id, "carrier-a", "1a", at(6)).ok());
    m = receipt(f, carrier_receipt("carrier-a", {"26", "38", "1a"}, MessageStatus::delivered, 7));
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::matched);
    CHECK(m->id == other_base.id);

    // A message whose submit_sm left after the receipt came is not the one
    // it reports on, under any reading (a replay of an old kept receipt).
    auto newer = record(id_at(day_ms, 1));
    REQUIRE(accept(f, newer).ok());
    REQUIRE(update(f, newer.id,
                   StateChange{.status = MessageStatus::sending,
                               .at = at(day_ms + 1),
                               .attempt = Attempt{.carrier = "carrier-a", .at = at(day_ms + 1)}})
                .ok());
    REQUIRE(sent(f, newer.id, "carrier-a", "77", at(day_ms + 2)).ok());
    auto replayed = carrier_receipt("carrier-a", {"77"}, MessageStatus::undeliverable, 10);
    replayed.keep_raw = false;
    m = receipt(f, replayed);
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::parked);
    CHECK(f.get().find(newer.id)->status == MessageStatus::sent);
    CHECK(late.get().size() == 1);
}

TEMPLATE_TEST_CASE("ledger: a parking too old for any sent() to take gives its key to a newer receipt",
                   "[ledger][receipts]", MemoryLedgerFixture, RocksDbLedgerFixture) {
    // Before, a receipt parked days ago under its own id "64" kept that key
    // from a new receipt ("100", also read as "64") that beat its
    // submit_sm_resp "64": the resp found only the old one, too old to be
    // taken, and the new message waited for its receipt timeout.
    TestType f;
    LateMatches late;
    f.get().set_receipt_listener(late.listener());
    REQUIRE(receipt(f, carrier_receipt("carrier-a", {"64", "100"}, MessageStatus::undeliverable, 10))->outcome ==
            receipt_outcome::parked);
    auto later = record(id_at(day_ms, 1));
    later.registered_delivery = 1;
    REQUIRE(accept(f, later).ok());
    REQUIRE(update(f, later.id,
                   StateChange{.status = MessageStatus::sending,
                               .at = at(day_ms + 1),
                               .attempt = Attempt{.carrier = "carrier-a", .at = at(day_ms + 1)}})
                .ok());
    REQUIRE(receipt(f, carrier_receipt("carrier-a", {"100", "256", "64"}, MessageStatus::delivered, day_ms + 2))
                ->outcome == receipt_outcome::parked);
    f.reopen();
    f.get().set_receipt_listener(late.listener());
    REQUIRE(sent(f, later.id, "carrier-a", "64", at(day_ms + 3)).ok());
    CHECK(f.get().find(later.id)->status == MessageStatus::delivered);
    REQUIRE(late.get().size() == 1);
    CHECK(late.get()[0].id == later.id);

    // A replay of a receipt that old parks nowhere a newer one is: here a
    // new receipt waits under "77" for its resp.
    auto waiting = record(id_at(day_ms, 2));
    REQUIRE(accept(f, waiting).ok());
    REQUIRE(update(f, waiting.id,
                   StateChange{.status = MessageStatus::sending,
                               .at = at(day_ms + 4),
                               .attempt = Attempt{.carrier = "carrier-a", .at = at(day_ms + 4)}})
                .ok());
    REQUIRE(receipt(f, carrier_receipt("carrier-a", {"77"}, MessageStatus::delivered, day_ms + 5))->outcome ==
            receipt_outcome::parked);
    auto old = carrier_receipt("carrier-a", {"77"}, MessageStatus::undeliverable, 20);
    old.keep_raw = false;
    REQUIRE(receipt(f, old)->outcome == receipt_outcome::parked);
    REQUIRE(sent(f, waiting.id, "carrier-a", "77", at(day_ms + 6)).ok());
    CHECK(f.get().find(waiting.id)->status == MessageStatus::delivered);
}

TEMPLATE_TEST_CASE("ledger: the carrier's own stat stays with the receipt owed upstream, parked or not",
                   "[ledger][receipts]", MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    auto now = record(id_at(0, 1));
    now.registered_delivery = 1;
    auto early = record(id_at(0, 2));
    early.registered_delivery = 1;
    REQUIRE(accept(f, now).ok());
    REQUIRE(accept(f, early).ok());
    REQUIRE(sent(f, now.id, "carrier-a", "N1", at(1)).ok());
    auto unknown = carrier_receipt("carrier-a", {"N1"}, MessageStatus::undeliverable, 2);
    unknown.reported_state = 7;  // UNKNOWN
    REQUIRE(receipt(f, unknown)->outcome == receipt_outcome::matched);
    auto deleted = carrier_receipt("carrier-a", {"E1"}, MessageStatus::undeliverable, 3);
    deleted.reported_state = 4;  // DELETED
    REQUIRE(receipt(f, deleted)->outcome == receipt_outcome::parked);
    f.reopen();
    REQUIRE(sent(f, early.id, "carrier-a", "E1", at(4)).ok());
    f.reopen();
    auto owed = f.get().pending_receipts("acme", 10);
    REQUIRE(owed->size() == 2);
    CHECK((*owed)[0].reported_state == 7);
    CHECK((*owed)[1].reported_state == 4);
}

TEMPLATE_TEST_CASE("ledger: the carrier offering the same intermediate notification again is a duplicate",
                   "[ledger][receipts]", MemoryLedgerFixture, RocksDbLedgerFixture) {
    // Before, an ENROUTE the carrier offered again (our deliver_sm_resp
    // lost) was owed upstream again, and forwarded twice.
    TestType f;
    auto r = record(id_at(0, 1));
    r.registered_delivery = 0x11;  // intermediate notifications too
    REQUIRE(accept(f, r).ok());
    REQUIRE(sent(f, r.id, "carrier-a", "I1", at(1)).ok());
    auto enroute = carrier_receipt("carrier-a", {"I1"}, MessageStatus::sent, 10);
    enroute.raw = "id:I1 sub:001 dlvrd:000 submit date:2611230101 done date:2611230102 stat:ENROUTE err:000";
    auto m = receipt(f, enroute);
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::matched);
    CHECK(m->owes_upstream);
    REQUIRE(wait_for([&](Completion d) { f.get().remove_receipt("acme", r.id, std::move(d)); }).ok());  // forwarded
    f.reopen();
    auto again = enroute;
    again.received_at = at(20);  // the same notification, offered later
    m = receipt(f, again);
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::duplicate);
    CHECK_FALSE(m->owes_upstream);
    CHECK(f.get().pending_receipts("acme", 10)->empty());

    // Another notification is one, and the first again after it too.
    auto accepted = enroute;
    accepted.raw = "id:I1 sub:001 dlvrd:000 submit date:2611230101 done date:2611230103 stat:ACCEPTD err:000";
    accepted.reported_state = 6;
    accepted.received_at = at(30);
    CHECK(receipt(f, accepted)->outcome == receipt_outcome::matched);
    again.received_at = at(40);
    CHECK(receipt(f, again)->outcome == receipt_outcome::matched);
    // The final one ends it, whatever came before.
    CHECK(receipt(f, carrier_receipt("carrier-a", {"I1"}, MessageStatus::delivered, 50))->outcome ==
          receipt_outcome::matched);
    CHECK(f.get().find(r.id)->status == MessageStatus::delivered);
}

TEMPLATE_TEST_CASE("ledger: registered_delivery decides whether a receipt is owed upstream", "[ledger][receipts]",
                   MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    struct Case {
        std::uint8_t registered_delivery;
        MessageStatus reported;
        bool owed;
    };
    const Case cases[] = {{0, MessageStatus::delivered, false},     {1, MessageStatus::delivered, true},
                          {1, MessageStatus::undeliverable, true},  {2, MessageStatus::delivered, false},
                          {2, MessageStatus::expired, true},        {0x11, MessageStatus::sent, true},
                          {0x01, MessageStatus::sent, false}};
    std::uint16_t seq = 0;
    for (const auto& c : cases) {
        auto r = record(id_at(0, seq));
        r.registered_delivery = c.registered_delivery;
        REQUIRE(accept(f, r).ok());
        const auto cmid = "C" + std::to_string(seq++);
        REQUIRE(sent(f, r.id, "carrier-a", cmid, at(1)).ok());
        auto m = receipt(f, carrier_receipt("carrier-a", {cmid}, c.reported, 9));
        REQUIRE(m.ok());
        CHECK(m->outcome == receipt_outcome::matched);
        CHECK(m->owes_upstream == c.owed);
        // An intermediate notification leaves the record `sent`.
        CHECK(f.get().find(r.id)->status == (is_final(c.reported) ? c.reported : MessageStatus::sent));
    }
}

TEMPLATE_TEST_CASE("ledger: unmatched receipts expire; their raw copy stays", "[ledger][receipts]",
                   MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    REQUIRE(receipt(f, carrier_receipt("carrier-a", {"OLD"}, MessageStatus::delivered, 10)).ok());
    REQUIRE(receipt(f, carrier_receipt("carrier-a", {"NEW"}, MessageStatus::delivered, 50)).ok());
    REQUIRE(wait_for([&](Completion d) { f.get().expire_unmatched(at(20), Timestamp{}, std::move(d)); }).ok());
    auto left = f.get().unmatched_receipts("carrier-a", 10);
    REQUIRE(left.ok());
    REQUIRE(left->size() == 1);
    CHECK((*left)[0].carrier_message_id == "NEW");
    CHECK(f.get().raw_receipts(at(0), 10)->size() == 2);
    // A message that gets "OLD" later is not matched to the expired receipt.
    auto r = record(id_at(0));
    REQUIRE(accept(f, r).ok());
    REQUIRE(sent(f, r.id, "carrier-a", "OLD", at(60)).ok());
    CHECK(f.get().find(r.id)->status == MessageStatus::sent);
    // A receipt needs a key and a clean carrier name.
    CHECK(receipt(f, CarrierReceipt{.carrier = "carrier-a"}).status().code() == StatusCode::invalid_argument);
    CHECK(receipt(f, carrier_receipt(std::string("a\0b", 3), {"X"}, MessageStatus::delivered, 1))
              .status()
              .code() == StatusCode::invalid_argument);
}

TEMPLATE_TEST_CASE("ledger: a receipt's parkings under alternate readings of its id expire sooner than its own",
                   "[ledger][receipts]", MemoryLedgerFixture, RocksDbLedgerFixture) {
    // Before, every reading stayed parked for retention_days, three entries
    // a receipt, each for sent() to find; only sent() uses alternates, and
    // it takes no parking older than parking_takeable_for.
    TestType f;
    REQUIRE(receipt(f, carrier_receipt("carrier-a", {"100", "256", "64"}, MessageStatus::delivered, 30))->outcome ==
            receipt_outcome::parked);
    REQUIRE(receipt(f, carrier_receipt("carrier-a", {"200", "512", "c8"}, MessageStatus::delivered, 50))->outcome ==
            receipt_outcome::parked);
    REQUIRE(wait_for([&](Completion d) { f.get().expire_unmatched(at(0), at(40), std::move(d)); }).ok());
    f.reopen();
    CHECK(f.get().unmatched_receipts("carrier-a", 10)->size() == 2);  // each under its own reading still
    std::uint16_t seq = 0;
    auto sent_as = [&](const std::string& id) {
        auto r = record(id_at(0, ++seq));
        REQUIRE(accept(f, r).ok());
        REQUIRE(sent(f, r.id, "carrier-a", id, at(60)).ok());
        return f.get().find(r.id)->status;
    };
    CHECK(sent_as("64") == MessageStatus::sent);        // gone
    CHECK(sent_as("c8") == MessageStatus::delivered);   // younger than the alternates' cutoff
    CHECK(sent_as("100") == MessageStatus::delivered);  // its own reading stays
    CHECK(f.get().unmatched_receipts("carrier-a", 10)->empty());
}

TEMPLATE_TEST_CASE("ledger: a message with no receipt in time gets a synthetic one", "[ledger][receipts]",
                   MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    auto old = record(id_at(0, 1));
    old.registered_delivery = 1;
    auto young = record(id_at(0, 2));
    auto unsent = record(id_at(0, 3));
    for (const auto* r : {&old, &young, &unsent}) REQUIRE(accept(f, *r).ok());
    REQUIRE(sent(f, old.id, "carrier-a", "A1", at(10)).ok());
    REQUIRE(sent(f, young.id, "carrier-a", "A2", at(500)).ok());

    auto waiting = f.get().awaiting_receipt(at(100), 10);
    REQUIRE(waiting.ok());
    REQUIRE(waiting->size() == 1);
    CHECK(waiting->front().id == old.id);

    // Born `sending` (the forward path's one write at acceptance), then the
    // carrier's answer: waiting too; one still unanswered is not.
    {
        TestType g;
        auto answered = record(id_at(0, 1));
        answered.status = MessageStatus::sending;
        answered.attempts.push_back(Attempt{.carrier = "carrier-a", .at = at(5), .status = MessageStatus::sending});
        auto unanswered = record(id_at(0, 2));
        unanswered.status = MessageStatus::sending;
        unanswered.attempts = answered.attempts;
        for (const auto* r : {&answered, &unanswered}) REQUIRE(accept(g, *r).ok());
        REQUIRE(sent(g, answered.id, "carrier-a", "B1", at(10)).ok());
        g.reopen();
        auto w = g.get().awaiting_receipt(at(100), 10);
        REQUIRE(w.ok());
        REQUIRE(w->size() == 1);
        CHECK(w->front().id == answered.id);
        CHECK(w->front().status == MessageStatus::sent);
    }

    std::promise<StatusOr<ReceiptMatch>> done;
    f.get().time_out(old.id, MessageStatus::expired, at(100),
                     [&done](StatusOr<ReceiptMatch> m) { done.set_value(std::move(m)); });
    auto m = done.get_future().get();
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::matched);
    CHECK(m->owes_upstream);
    f.reopen();
    auto r = f.get().find(old.id);
    REQUIRE(r.ok());
    CHECK(r->status == MessageStatus::expired);
    CHECK(r->synthetic_receipt);
    CHECK(f.get().pending_receipts("acme", 10)->front().status == MessageStatus::expired);
    CHECK(f.get().awaiting_receipt(at(1000), 10)->size() == 1);  // young only
    CHECK(f.get().awaiting_receipt(at(1000), 10, young.id)->empty());
    CHECK(f.get().awaiting_receipt(at(1000), 10, old.id)->size() == 1);

    // The carrier's receipt after all: absorbed, the record stays as it is.
    auto late = receipt(f, carrier_receipt("carrier-a", {"A1"}, MessageStatus::delivered, 200));
    REQUIRE(late.ok());
    CHECK(late->outcome == receipt_outcome::duplicate);
    // Only a `sent` record times out.
    std::promise<StatusOr<ReceiptMatch>> again;
    f.get().time_out(unsent.id, MessageStatus::expired, at(100),
                     [&again](StatusOr<ReceiptMatch> x) { again.set_value(std::move(x)); });
    auto skipped = again.get_future().get();
    REQUIRE(skipped.ok());
    CHECK(skipped->outcome == receipt_outcome::duplicate);
    CHECK(f.get().find(unsent.id)->status == MessageStatus::accepted);
}

TEMPLATE_TEST_CASE("ledger: a message in doubt past the receipt timeout gets its synthetic final state too",
                   "[ledger][receipts]", MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    auto doubt = record(id_at(0, 1));
    doubt.registered_delivery = 1;
    doubt.status = MessageStatus::sending;
    doubt.attempts.push_back(Attempt{.carrier = "carrier-a", .at = at(5), .status = MessageStatus::sending});
    REQUIRE(accept(f, doubt).ok());
    REQUIRE(update(f, doubt.id,
                   StateChange{.status = MessageStatus::in_doubt,
                               .at = at(10),
                               .attempt = Attempt{.carrier = "carrier-a", .at = at(10), .status = MessageStatus::in_doubt}})
                .ok());
    f.reopen();
    auto waiting = f.get().awaiting_receipt(at(100), 10);
    REQUIRE(waiting.ok());
    REQUIRE(waiting->size() == 1);
    CHECK(waiting->front().status == MessageStatus::in_doubt);
    std::promise<StatusOr<ReceiptMatch>> done;
    f.get().time_out(doubt.id, MessageStatus::undeliverable, at(100),
                     [&done](StatusOr<ReceiptMatch> m) { done.set_value(std::move(m)); });
    auto m = done.get_future().get();
    REQUIRE(m.ok());
    CHECK(m->outcome == receipt_outcome::matched);
    CHECK(m->owes_upstream);
    f.reopen();
    CHECK(f.get().find(doubt.id)->status == MessageStatus::undeliverable);
    CHECK(f.get().find(doubt.id)->synthetic_receipt);
    CHECK(f.get().pending_receipts("acme", 10)->size() == 1);
    // Final: no longer open, so a restart no longer finds it in doubt.
    CHECK(f.get().awaiting_receipt(at(1000), 10)->empty());
    auto recovered = f.get().recover(at(1000), at(0));
    REQUIRE(recovered.ok());
    CHECK(recovered->in_doubt.empty());
}

TEMPLATE_TEST_CASE("ledger: mobile-originated messages parked per account, oldest first, across reopen",
                   "[ledger][mo]", MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    auto park = [&](MobileOriginated m) {
        return wait_for([&](Completion done) { f.get().park_mo(m, std::move(done)); });
    };
    auto remove = [&](std::string account, MessageId id) {
        return wait_for([&](Completion done) { f.get().remove_mo(account, id, std::move(done)); });
    };
    auto mo = [](MessageId id, std::string account, std::string text) {
        return MobileOriginated{.id = id,
                                .account = std::move(account),
                                .carrier = "carrier01",
                                .source = {1, 1, "447700900123"},
                                .destination = {3, 0, "12345"},
                                .esm_class = 0,
                                .data_coding = 8,
                                .payload = std::move(text),
                                .received_at = id.time()};
    };
    const auto m2 = mo(id_at(2), "acme", std::string("\x00h\x00i", 4));
    const auto m1 = mo(id_at(1), "acme", "STOP");
    const auto other = mo(id_at(0), "acme2", std::string(300, 'x'));
    REQUIRE(park(m2).ok());
    REQUIRE(park(m1).ok());
    REQUIRE(park(other).ok());
    CHECK(park(mo(id_at(3), std::string("ac\0me", 5), "x")).code() == StatusCode::invalid_argument);
    CHECK(park(mo(MessageId{}, "acme", "x")).code() == StatusCode::invalid_argument);

    CHECK(f.get().pending_mo("acme", 10).value() == std::vector<MobileOriginated>{m1, m2});
    CHECK(f.get().pending_mo("acme", 1).value() == std::vector<MobileOriginated>{m1});
    CHECK(f.get().pending_mo("acme", 1, [&](MessageId id) { return id == m1.id; }).value() ==
          std::vector<MobileOriginated>{m2});
    CHECK(f.get().pending_mo("acme2", 10).value() == std::vector<MobileOriginated>{other});
    CHECK(f.get().pending_mo("acm", 10).value().empty());
    // Receipts and MOs are kept apart.
    CHECK(f.get().pending_receipts("acme", 10).value().empty());

    f.reopen();
    CHECK(f.get().pending_mo("acme", 10).value() == std::vector<MobileOriginated>{m1, m2});
    REQUIRE(remove("acme", m1.id).ok());
    REQUIRE(remove("acme", m1.id).ok());  // delivered twice: still fine
    CHECK(f.get().pending_mo("acme", 10).value() == std::vector<MobileOriginated>{m2});
    f.reopen();
    CHECK(f.get().pending_mo("acme", 10).value() == std::vector<MobileOriginated>{m2});
    CHECK(f.get().pending_mo("acme2", 10).value() == std::vector<MobileOriginated>{other});
}

TEMPLATE_TEST_CASE("ledger: an MO's sighting is written with its park, outlives its removal, goes by time",
                   "[ledger][mo]", MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    auto park = [&](MobileOriginated m) {
        return wait_for([&](Completion done) { f.get().park_mo(m, std::move(done)); });
    };
    auto mo = [](MessageId id, std::string text) {
        return MobileOriginated{.id = id,
                                .account = "acme",
                                .carrier = "carrier01",
                                .source = {1, 1, "447700900123"},
                                .destination = {0, 0, "12345"},
                                .payload = std::move(text),
                                .received_at = id.time()};
    };
    const auto a = mo(id_at(1000), "STOP");
    const auto b = mo(id_at(2000), "hello");
    const auto c = mo(id_at(3000), "STOP");  // the same text later: its own sighting, same key
    REQUIRE(park(a).ok());
    REQUIRE(park(b).ok());
    REQUIRE(park(c).ok());
    const std::vector<MoSighting> all{{mo_seen_key(a), a.received_at},
                                      {mo_seen_key(b), b.received_at},
                                      {mo_seen_key(c), c.received_at}};
    CHECK(mo_seen_key(a) == mo_seen_key(c));
    CHECK(f.get().mo_sightings(Timestamp{}, 10).value() == all);
    CHECK(f.get().mo_sightings(b.received_at, 10).value() == std::vector<MoSighting>{all[1], all[2]});
    CHECK(f.get().mo_sightings(Timestamp{}, 1).value() == std::vector<MoSighting>{all[0]});

    // The upstream acknowledged them: the MOs go, their sightings stay.
    for (const auto& m : {a, b, c})
        REQUIRE(wait_for([&](Completion done) { f.get().remove_mo("acme", m.id, std::move(done)); }).ok());
    CHECK(f.get().pending_mo("acme", 10).value().empty());
    f.reopen();
    CHECK(f.get().mo_sightings(Timestamp{}, 10).value() == all);

    // Older than the window: dropped (received before the cutoff only).
    REQUIRE(wait_for([&](Completion done) { f.get().drop_mo_sightings_before(b.received_at, std::move(done)); }).ok());
    CHECK(f.get().mo_sightings(Timestamp{}, 10).value() == std::vector<MoSighting>{all[1], all[2]});
    f.reopen();
    CHECK(f.get().mo_sightings(Timestamp{}, 10).value() == std::vector<MoSighting>{all[1], all[2]});
    REQUIRE(wait_for([&](Completion done) { f.get().drop_mo_sightings_before(at(1'000'000), std::move(done)); })
                .ok());
    CHECK(f.get().mo_sightings(Timestamp{}, 10).value().empty());
    // New parks after a drop are seen again.
    const auto d = mo(id_at(4000), "again");
    REQUIRE(park(d).ok());
    CHECK(f.get().mo_sightings(Timestamp{}, 10).value() == std::vector<MoSighting>{{mo_seen_key(d), d.received_at}});
}

TEMPLATE_TEST_CASE("ledger: a state change with only_from applies only from those states", "[ledger]",
                   MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    auto r = record(id_at(0));
    REQUIRE(accept(f, r).ok());
    const StateChange cancel{.status = MessageStatus::cancelled,
                             .at = at(5),
                             .only_from = {MessageStatus::accepted, MessageStatus::queued}};
    REQUIRE(update(f, r.id, StateChange{.status = MessageStatus::sending, .at = at(1)}).ok());
    CHECK(update(f, r.id, cancel).code() == StatusCode::failed_precondition);
    CHECK(f.get().find(r.id)->status == MessageStatus::sending);

    auto q = record(id_at(1));
    REQUIRE(accept(f, q).ok());
    REQUIRE(update(f, q.id, cancel).ok());
    CHECK(f.get().find(q.id)->status == MessageStatus::cancelled);
    CHECK(is_final(MessageStatus::cancelled));
    CHECK(name(MessageStatus::cancelled) == "cancelled");
}

TEMPLATE_TEST_CASE("ledger: a replacement changes the text, keeps the state and refuses older revisions",
                   "[ledger]", MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    auto r = record(id_at(0));
    r.retry_at = at(3'600'000);  // a schedule: accept keeps it
    REQUIRE(accept(f, r).ok());
    CHECK(f.get().find(r.id)->retry_at == at(3'600'000));

    // A `sending` built from revision 0 before the replace lands: fine.
    // After it: aborted, and nothing changes.
    StateChange replace{.status = MessageStatus::queued,
                        .at = at(10),
                        .only_from = {MessageStatus::accepted, MessageStatus::queued},
                        .replacement = Replacement{.payload = "new", .segment_count = 1, .registered_delivery = 1}};
    REQUIRE(update(f, r.id, replace).ok());
    auto now = *f.get().find(r.id);
    CHECK(now.payload == "new");
    CHECK(now.revision == 1);
    CHECK(now.registered_delivery == 1);
    CHECK(now.status == MessageStatus::accepted);   // the state stays
    CHECK(now.retry_at == at(3'600'000));           // no schedule given: the hold stays
    const StateChange old_sending{.status = MessageStatus::sending, .at = at(11), .only_revision = 0};
    CHECK(update(f, r.id, old_sending).code() == StatusCode::aborted);
    CHECK(f.get().find(r.id)->status == MessageStatus::accepted);

    // A new schedule and validity move the hold and the expiry.
    replace.replacement->deliver_at = at(20);
    replace.replacement->expires_at = at(90'000);
    REQUIRE(update(f, r.id, replace).ok());
    now = *f.get().find(r.id);
    CHECK(now.retry_at == at(20));
    CHECK(now.expires_at == at(90'000));
    CHECK(now.revision == 2);
    REQUIRE(update(f, r.id, StateChange{.status = MessageStatus::sending, .at = at(21), .only_revision = 2}).ok());
    // Once a carrier may have it, no replacement.
    CHECK(update(f, r.id, replace).code() == StatusCode::failed_precondition);
    CHECK(f.get().find(r.id)->revision == 2);
}

TEMPLATE_TEST_CASE("ledger: rejected, failed or expired with us owes the upstream a failure receipt when it asked",
                   "[ledger][receipts]", MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    auto rejected = record(id_at(0));
    rejected.registered_delivery = 1;
    auto failed = record(id_at(1));
    failed.registered_delivery = 2;  // failure only
    auto expired = record(id_at(2));
    expired.registered_delivery = 1;
    auto silent = record(id_at(3));  // asked for none
    auto cancelled = record(id_at(4));
    cancelled.registered_delivery = 1;
    for (const auto* r : {&rejected, &failed, &expired, &silent, &cancelled}) REQUIRE(accept(f, *r).ok());
    REQUIRE(update(f, rejected.id, StateChange{.status = MessageStatus::rejected, .at = at(10), .error_code = 0x45}).ok());
    REQUIRE(update(f, failed.id, StateChange{.status = MessageStatus::failed, .at = at(11), .error_code = 0x58}).ok());
    REQUIRE(update(f, expired.id, StateChange{.status = MessageStatus::expired, .at = at(12)}).ok());
    REQUIRE(update(f, silent.id, StateChange{.status = MessageStatus::rejected, .at = at(13)}).ok());
    REQUIRE(update(f, cancelled.id, StateChange{.status = MessageStatus::cancelled, .at = at(14)}).ok());

    auto owed = f.get().pending_receipts("acme", 10);
    REQUIRE(owed.ok());
    REQUIRE(owed->size() == 3);
    CHECK((*owed)[0].id == rejected.id);
    CHECK((*owed)[0].status == MessageStatus::rejected);
    CHECK((*owed)[0].error_code == 0x45);
    CHECK((*owed)[0].done_at == at(10));
    REQUIRE((*owed)[0].envelope);
    CHECK((*owed)[0].envelope->destination.address == "447700900123");
    CHECK((*owed)[1].id == failed.id);
    CHECK((*owed)[1].error_code == 0x58);
    CHECK((*owed)[2].id == expired.id);
    CHECK((*owed)[2].status == MessageStatus::expired);
}

TEMPLATE_TEST_CASE("ledger: highest_id is the highest id held under records, owed receipts and MOs", "[ledger]",
                   MemoryLedgerFixture, RocksDbLedgerFixture) {
    TestType f;
    CHECK_FALSE(f.get().highest_id().valid());
    REQUIRE(accept(f, record(id_at(5))).ok());
    REQUIRE(accept(f, record(id_at(2))).ok());
    CHECK(f.get().highest_id() == id_at(5));
    // An MO's id comes from the same generator as the records'.
    const MobileOriginated mo{.id = id_at(9), .account = "acme", .payload = "STOP", .received_at = at(9)};
    REQUIRE(wait_for([&](Completion done) { f.get().park_mo(mo, std::move(done)); }).ok());
    CHECK(f.get().highest_id() == id_at(9));
    REQUIRE(wait_for([&](Completion done) {
                f.get().park_receipt(PendingReceipt{"acme", id_at(12)}, std::move(done));
            }).ok());
    CHECK(f.get().highest_id() == id_at(12));
    f.reopen();
    CHECK(f.get().highest_id() == id_at(12));
    REQUIRE(wait_for([&](Completion done) { f.get().remove_mo("acme", mo.id, std::move(done)); }).ok());
    REQUIRE(accept(f, record(id_at(7))).ok());
    CHECK(f.get().highest_id() == id_at(12));
}
