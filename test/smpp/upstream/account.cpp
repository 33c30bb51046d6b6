#include "smpp/upstream/account.hpp"

#include <catch2/catch.hpp>

#include "smpp/upstream/password_hash.hpp"

using namespace smpp::upstream;
using smpp::session::bind_type;

namespace {
// A well-formed hash; validate() only checks its shape.
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
