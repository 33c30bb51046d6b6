#include "smpp/upstream/account.hpp"

#include <catch2/catch.hpp>

#include "smpp/upstream/password_hash.hpp"

using namespace smpp::upstream;
using smpp::session::bind_type;

namespace {
// A well-formed hash: libsodium parses it (its salt and digest are made up),
// and validate() does not verify it.
const std::string hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

Account valid() { return Account{"acme", hash, {bind_type::transceiver}, 2}; }
}  // namespace

TEST_CASE("a valid account passes validation", "[upstream][account]") {
    CHECK_FALSE(valid().validate());
    CHECK(valid().allows(bind_type::transceiver));
    CHECK_FALSE(valid().allows(bind_type::transmitter));
}

TEST_CASE("account validation names the field and the rule", "[upstream][account]") {
    auto a = valid();
    a.system_id = "";
    CHECK(a.validate() == FieldError{"system_id", "must not be empty"});
    a.system_id = "sixteen-chars-xx";
    CHECK(a.validate() == FieldError{"system_id", "must be at most 15 characters"});
    a = valid();
    a.password_hash = "plaintext";
    CHECK(a.validate() ==
          FieldError{"password_hash", "must be a crypto_pwhash_str hash (see smpp-connector hash-password)"});
    a.password_hash = "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    CHECK(a.validate() == FieldError{"password_hash", "costs too much to verify on every bind: at most m=1048576 "
                                                      "(KiB, 1 GiB) and t=10 (smpp-connector hash-password makes "
                                                      "m=65536,t=2)"});
    a = valid();
    a.bind_types.clear();
    CHECK(a.validate() == FieldError{"bind_types", "must list at least one bind type"});
    a.bind_types = {bind_type::receiver, bind_type::receiver};
    CHECK(a.validate() == FieldError{"bind_types", "lists receiver twice"});
    a = valid();
    a.max_binds = 0;
    CHECK(a.validate() == FieldError{"max_binds", "must be between 1 and 64"});
    a.max_binds = 65;
    CHECK(a.validate() == FieldError{"max_binds", "must be between 1 and 64"});
    a.max_binds = 64;
    CHECK_FALSE(a.validate());
}

TEST_CASE("duplicate system_ids are rejected with the first's index", "[upstream][account]") {
    AccountSettings s{{valid(), Account{"bulkco", hash, {bind_type::transmitter}, 1}, valid()}};
    CHECK(s.validate() == AccountError{2, {"system_id", "duplicate of accounts[0]"}});
    s.accounts.pop_back();
    CHECK_FALSE(s.validate());
    REQUIRE(s.find("bulkco"));
    CHECK(s.find("bulkco")->max_binds == 1);
    CHECK(s.find("nobody") == nullptr);
}

TEST_CASE("bind type names round-trip", "[upstream][account]") {
    CHECK(bind_type_from_config("transmitter") == bind_type::transmitter);
    CHECK(bind_type_from_config("receiver") == bind_type::receiver);
    CHECK(bind_type_from_config("transceiver") == bind_type::transceiver);
    CHECK_FALSE(bind_type_from_config("trx"));
}

TEST_CASE("tps and receipt timeout are range-checked", "[upstream][account]") {
    auto a = valid();
    a.tps = Account::max_tps;
    CHECK_FALSE(a.validate());
    a.tps = Account::max_tps + 1;
    CHECK(a.validate() == FieldError{"tps", "must be between 0 (no limit) and 1000000"});
    a = valid();
    a.query_tps = Account::max_tps + 1;
    CHECK(a.validate() == FieldError{"query_tps", "must be between 0 (no limit) and 1000000"});
    // Unset, queries are limited as submissions are.
    a = valid();
    a.tps = 30;
    CHECK(a.query_rate() == 30);
    a.query_tps = 0;
    CHECK(a.query_rate() == 0);
    a = valid();
    a.receipts.timeout = std::chrono::seconds(59);
    CHECK(a.validate() == FieldError{"receipts", "timeout must be between 1m and 30d"});
}

TEST_CASE("schedule limits are range-checked", "[upstream][account]") {
    using namespace std::chrono_literals;
    auto a = valid();
    CHECK(a.schedule.max_ahead == 24h * 30);
    CHECK(a.schedule.past_tolerance == 1h);
    a.schedule = {24h * 365, 0s};
    CHECK_FALSE(a.validate());
    a.schedule = {24h * 365 + 1s, 1h};
    CHECK(a.validate() == FieldError{"schedule", "max_ahead must be between 1m and 365d"});
    a.schedule = {59s, 1h};
    CHECK(a.validate() == FieldError{"schedule", "max_ahead must be between 1m and 365d"});
    a.schedule = {1h, 24h + 1s};
    CHECK(a.validate() == FieldError{"schedule", "past_tolerance must be between 0s and 1d"});
    a.schedule = {1h, -1s};
    CHECK(a.validate() == FieldError{"schedule", "past_tolerance must be between 0s and 1d"});
}

TEST_CASE("an account admits every address without allowed_addresses, else only those listed",
          "[upstream][account]") {
    using boost::asio::ip::make_address;
    auto a = valid();
    CHECK(a.admits(make_address("203.0.113.1")));
    a.allowed_addresses = {*Cidr::parse("10.0.0.0/8"), *Cidr::parse("fd00::/8")};
    CHECK(a.admits(make_address("10.1.2.3")));
    CHECK(a.admits(make_address("fd12::1")));
    CHECK_FALSE(a.admits(make_address("203.0.113.1")));
    CHECK_FALSE(a.admits(make_address("fe80::1")));
}

TEST_CASE("account option names round-trip", "[upstream][account]") {
    for (auto c : {traffic_class::otp, traffic_class::transactional, traffic_class::bulk})
        CHECK(traffic_class_from_config(name(c)) == c);
    for (auto m : {multipart_receipts::all, multipart_receipts::first, multipart_receipts::last,
                   multipart_receipts::aggregate})
        CHECK(multipart_receipts_from_config(name(m)) == m);
    CHECK(receipt_timeout_state_from_config("expired") == receipt_timeout_state::expired);
    CHECK(receipt_timeout_state_from_config("unknown") == receipt_timeout_state::unknown);
    CHECK(in_doubt_policy_from_config("resend") == in_doubt_policy::resend);
    CHECK(in_doubt_policy_from_config("report") == in_doubt_policy::report);
    CHECK_FALSE(traffic_class_from_config("OTP"));
    CHECK_FALSE(in_doubt_policy_from_config(""));
    // Defaults.
    Account d;
    CHECK(d.default_class == traffic_class::transactional);
    CHECK(d.receipts == ReceiptOptions{multipart_receipts::all, receipt_timeout_state::unknown,
                                       std::chrono::hours(72)});
    CHECK(d.in_doubt == in_doubt_policy::report);
    CHECK(d.tps == 0);
}

TEST_CASE("default_region must be a region libphonenumber knows", "[upstream][account]") {
    auto a = valid();
    CHECK(a.default_region.empty());
    CHECK_FALSE(a.require_valid_numbers);
    for (const char* ok : {"GB", "US", "DE", "IN"}) {
        a.default_region = ok;
        CHECK_FALSE(a.validate());
    }
    for (const char* bad : {"UK", "gb", "ZZ", "001", "GBR"}) {
        a.default_region = bad;
        CHECK(a.validate() ==
              FieldError{"default_region", "must be an ISO 3166-1 alpha-2 region with a numbering plan, like GB or US"});
    }
}
