#include "smpp/relay/receipt_timeouts.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include "store/in_memory_ledger.hpp"

using namespace smpp;
using store::MessageStatus;

namespace {

const auto t0 = store::Timestamp(std::chrono::milliseconds(1'800'000'000'000));
using std::chrono::hours;
using std::chrono::milliseconds;

store::MessageRecord sent_record(store::Ledger& l, std::uint16_t seq, std::string account, store::Timestamp sent_at) {
    store::MessageRecord r;
    r.id = store::MessageId::make(t0, 1, seq);
    r.account = std::move(account);
    r.destination = {1, 1, "447700900123"};
    r.payload = "x";
    r.registered_delivery = 1;
    r.accepted_at = r.updated_at = t0;
    l.accept(r, [](store::Status s) { REQUIRE(s.ok()); });
    l.sent(r.id, "carrier01", "C" + std::to_string(seq), {}, sent_at, [](store::Status s) { REQUIRE(s.ok()); });
    return r;
}

}  // namespace

TEST_CASE("receipt timeouts: overdue messages get their account's synthetic state, once", "[relay][receipts]") {
    boost::asio::io_context io;
    store::InMemoryLedger ledger;
    auto now = t0 + hours(100);
    std::vector<std::string> owed;

    auto a1 = sent_record(ledger, 1, "acme", t0 + hours(1));      // 99 h old: overdue for acme (72 h)
    auto a2 = sent_record(ledger, 2, "acme", t0 + hours(90));     // 10 h old: not yet
    auto o1 = sent_record(ledger, 3, "otpbank", t0 + hours(99));  // 1 h old: overdue for otpbank (30 min)
    auto o2 = sent_record(ledger, 4, "otpbank", t0 + hours(2));

    relay::ReceiptTimeoutSettings s;
    s.batch = 1;  // every record its own batch: the continuation is exercised
    s.shortest = milliseconds(std::chrono::minutes(30));
    s.clock = [&] { return now; };
    s.policy = [](const std::string& account) {
        if (account == "otpbank") return relay::ReceiptTimeoutPolicy{std::chrono::minutes(30), MessageStatus::expired};
        return relay::ReceiptTimeoutPolicy{hours(72), MessageStatus::undeliverable};
    };
    auto t = relay::ReceiptTimeouts::create(io.get_executor(), ledger, s,
                                            [&](const std::string& account) { owed.push_back(account); });
    bool done = false;
    t->sweep([&] { done = true; });
    io.run_for(std::chrono::seconds(2));
    REQUIRE(done);

    auto a1r = ledger.find(a1.id);
    CHECK(a1r->status == MessageStatus::undeliverable);
    CHECK(a1r->synthetic_receipt);
    CHECK(ledger.find(a2.id)->status == MessageStatus::sent);
    CHECK(ledger.find(o1.id)->status == MessageStatus::expired);
    CHECK(ledger.find(o2.id)->status == MessageStatus::expired);
    CHECK(t->timed_out() == 3);
    CHECK(owed.size() == 3);
    CHECK(ledger.pending_receipts("otpbank", 10)->size() == 2);

    // A second sweep finds nothing new; the carrier's late receipt is absorbed.
    io.restart();
    done = false;
    t->sweep([&] { done = true; });
    io.run_for(std::chrono::milliseconds(200));
    CHECK(done);
    CHECK(t->timed_out() == 3);
    store::CarrierReceipt late{.carrier = "carrier01", .keys = {"C1"}, .status = MessageStatus::delivered};
    ledger.apply_receipt(late, [](store::StatusOr<store::ReceiptMatch> m) {
        REQUIRE(m.ok());
        CHECK(m->outcome == store::receipt_outcome::duplicate);
    });
    CHECK(ledger.find(a1.id)->status == MessageStatus::undeliverable);
}

#include "smpp/relay/receipt_forwarder.hpp"

TEST_CASE("receipt timeouts: a synthetic undeliverable goes upstream as stat UNKNOWN", "[relay][receipts]") {
    store::MessageRecord r;
    r.id = store::MessageId::make(t0, 1, 9);
    r.account = "acme";
    r.status = MessageStatus::undeliverable;
    r.synthetic_receipt = true;
    store::PendingReceipt p{.account = "acme", .id = r.id, .status = MessageStatus::undeliverable, .done_at = t0};
    auto d = relay::make_upstream_receipt(r, p);
    CHECK(d.short_message.find("stat:UNKNOWN") != std::string::npos);
    CHECK(d.tlvs.message_state() == protocol::message_state::unknown);
    r.synthetic_receipt = false;
    d = relay::make_upstream_receipt(r, p);
    CHECK(d.short_message.find("stat:UNDELIV") != std::string::npos);
}
