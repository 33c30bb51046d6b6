#include "smpp/relay/mo_directory.hpp"

#include <catch2/catch.hpp>

#include <optional>

#include "smpp/relay/receipt_forwarder.hpp"
#include "smpp/relay/receipt_matcher.hpp"
#include "store/in_memory_ledger.hpp"

using namespace smpp;
using protocol::command_status;
using relay::MoDirectory;

TEST_CASE("mo directory: exact numbers before the longest prefix", "[relay][mo]") {
    MoDirectory d;
    CHECK(d.empty());
    CHECK(d.add("12345", "acme"));
    CHECK(d.add("4477*", "bulkco"));
    CHECK(d.add("4477009001*", "acme"));
    CHECK(d.add("447700900199", "otpbank"));
    CHECK_FALSE(d.add("12345", "bulkco"));  // taken
    CHECK_FALSE(d.add("4477*", "acme"));
    CHECK_FALSE(d.add("+4477", "acme"));  // not digits
    CHECK_FALSE(d.add("*", "acme"));
    CHECK_FALSE(d.add("", "acme"));
    CHECK_FALSE(d.add("12*3", "acme"));
    CHECK_FALSE(d.empty());

    auto owner = [&](std::string_view digits) -> std::string {
        const auto* o = d.owner(digits);
        return o ? *o : std::string("-");
    };
    CHECK(owner("12345") == "acme");
    CHECK(owner("123456") == "-");  // exact only
    CHECK(owner("1234") == "-");
    CHECK(owner("447700900123") == "acme");     // 4477009001* is longer than 4477*
    CHECK(owner("447700900199") == "otpbank");  // exact beats any prefix
    CHECK(owner("447711111111") == "bulkco");
    CHECK(owner("4477") == "bulkco");  // a prefix covers itself
    CHECK(owner("33612345678") == "-");

    upstream::AccountSettings accounts;
    accounts.accounts.resize(2);
    accounts.accounts[0].system_id = "acme";
    accounts.accounts[0].mo_numbers = {"12345", "4477009001*"};
    accounts.accounts[1].system_id = "bulkco";
    accounts.accounts[1].mo_numbers = {"999"};
    auto of = MoDirectory::of(accounts);
    CHECK(*of.owner("4477009001555") == "acme");
    CHECK(*of.owner("999") == "bulkco");
}

TEST_CASE("mo directory: addresses become digits, E.164 rules first", "[relay][mo]") {
    CHECK(relay::mo_digits("+447700900123") == "447700900123");
    CHECK(relay::mo_digits("00447700900123") == "447700900123");
    CHECK(relay::mo_digits("12345") == "12345");
    CHECK(relay::mo_digits("1234567890123456789") == "1234567890123456789");  // too long for E.164
    CHECK(relay::mo_digits("ACME") == std::nullopt);
    CHECK(relay::mo_digits("") == std::nullopt);
}

TEST_CASE("mo directory: opt-out keywords are the first word, any case", "[relay][mo]") {
    const auto keys = relay::MoSettings{}.opt_out_keywords;
    CHECK(relay::is_opt_out("STOP", 0, keys));
    CHECK(relay::is_opt_out("stop", 0, keys));
    CHECK(relay::is_opt_out("  Stop please", 0, keys));
    CHECK(relay::is_opt_out("Unsubscribe.", 0, keys));
    CHECK(relay::is_opt_out("quit\n", 0, keys));
    CHECK_FALSE(relay::is_opt_out("STOPPED", 0, keys));
    CHECK_FALSE(relay::is_opt_out("please stop", 0, keys));
    CHECK_FALSE(relay::is_opt_out("", 0, keys));
    CHECK(relay::is_opt_out(std::string("\0S\0t\0o\0p", 8), 8, keys));  // UCS-2
    CHECK_FALSE(relay::is_opt_out(std::string("\0S\0t\0o\0p", 8), 0, keys));
    CHECK(relay::is_opt_out("halt", 0, {"HALT"}));
    CHECK_FALSE(relay::is_opt_out("stop", 0, {"HALT"}));
}

TEST_CASE("mo directory: the deliver_sm an account gets for an MO", "[relay][mo]") {
    store::MobileOriginated m{.id = store::MessageId(42),
                              .account = "acme",
                              .carrier = "carrier01",
                              .source = {1, 1, "447700900123"},
                              .destination = {3, 0, "12345"},
                              .esm_class = 0x40,
                              .data_coding = 8,
                              .payload = std::string("\x05\x00\x03\x01\x02\x01\x00h", 8)};
    auto d = relay::make_upstream_mo(m);
    CHECK(d.source == protocol::Address{1, 1, "447700900123"});  // not swapped
    CHECK(d.dest == protocol::Address{3, 0, "12345"});
    CHECK(d.esm_class == 0x40);
    CHECK(d.registered_delivery == 0);
    CHECK(d.data_coding == 8);
    CHECK(d.short_message == m.payload);
    CHECK_FALSE(d.tlvs.message_payload());

    m.esm_class = 0x03;  // a carrier's messaging mode bits are not ours to pass on
    m.payload = std::string(254, 'a');
    d = relay::make_upstream_mo(m);
    CHECK(d.esm_class == 0);
    CHECK(d.short_message.size() == 254);
    m.payload = std::string(255, 'b');
    d = relay::make_upstream_mo(m);
    CHECK(d.short_message.empty());
    REQUIRE(d.tlvs.message_payload());
    CHECK(*d.tlvs.message_payload() == m.payload);
}

namespace {

command_status deliver(relay::ReceiptMatcher& m, protocol::DeliverSm d) {
    std::optional<command_status> answer;
    m.on_deliver("carrier01", protocol::Pdu{command_status::ESME_ROK, 3, std::move(d)},
                 [&](command_status s) { answer = s; });
    REQUIRE(answer);  // InMemoryLedger completes inline
    return *answer;
}

protocol::DeliverSm mo_pdu(std::string from, std::string to, std::string text) {
    protocol::DeliverSm d;
    d.source = {1, 1, std::move(from)};
    d.dest = {1, 1, std::move(to)};
    d.short_message = std::move(text);
    return d;
}

}  // namespace

TEST_CASE("mo matcher: owned MOs are parked, unowned refused for good, opt-outs applied", "[relay][mo]") {
    store::InMemoryLedger ledger;
    store::MessageIdGenerator ids(9);
    std::vector<std::string> owed;
    relay::MoPath mo;
    mo.directory.add("12345", "acme");
    mo.directory.add("4477009001*", "bulkco");
    mo.next_id = [&] { return ids.next(); };
    auto m = relay::ReceiptMatcher::create(ledger, {}, [&](const std::string& a) { owed.push_back(a); }, mo);

    CHECK(deliver(*m, mo_pdu("+447700900123", "12345", "hello")) == command_status::ESME_ROK);
    CHECK(deliver(*m, mo_pdu("447700900555", "+447700900111", "Stop")) == command_status::ESME_ROK);
    CHECK(deliver(*m, mo_pdu("447700900555", "55555", "STOP")) == command_status::ESME_RX_P_APPN);
    CHECK(deliver(*m, mo_pdu("447700900555", "ACME", "hi")) == command_status::ESME_RX_P_APPN);

    auto acme = ledger.pending_mo("acme", 10).value();
    REQUIRE(acme.size() == 1);
    CHECK(acme[0].source == store::Address{1, 1, "+447700900123"});
    CHECK(acme[0].destination == store::Address{1, 1, "12345"});
    CHECK(acme[0].payload == "hello");
    CHECK(acme[0].carrier == "carrier01");
    CHECK(acme[0].id.node() == 9);
    auto bulk = ledger.pending_mo("bulkco", 10).value();
    REQUIRE(bulk.size() == 1);
    CHECK(bulk[0].payload == "Stop");  // still forwarded
    CHECK(ledger.is_opted_out("bulkco", "447700900555").value());
    CHECK_FALSE(ledger.is_opted_out("acme", "447700900555").value());
    CHECK_FALSE(ledger.is_opted_out("acme", "447700900123").value());
    CHECK(owed == std::vector<std::string>{"acme", "bulkco"});

    const auto c = m->counters();
    CHECK(c.mobile_originated == 4);
    CHECK(c.mo_parked == 2);
    CHECK(c.mo_unowned == 2);
    CHECK(c.mo_opt_outs == 1);
    CHECK(c.mo_refused == 0);

    // Without an MO path (no id generator) the carrier keeps its MOs, as before.
    auto plain = relay::ReceiptMatcher::create(ledger, {}, {});
    CHECK(deliver(*plain, mo_pdu("447700900123", "12345", "hello")) == command_status::ESME_RX_T_APPN);
}
