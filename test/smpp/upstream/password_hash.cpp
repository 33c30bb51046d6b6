#include "smpp/upstream/password_hash.hpp"

#include <catch2/catch.hpp>

using namespace smpp::upstream;

TEST_CASE("hash_password makes an Argon2id hash that verifies only its password", "[upstream][password]") {
    auto hash = hash_password("s3cret");
    REQUIRE(hash);
    CHECK(hash->starts_with("$argon2id$"));
    CHECK(looks_like_password_hash(*hash));
    CHECK(verify_password(*hash, "s3cret"));
    CHECK_FALSE(verify_password(*hash, "s3creT"));
    CHECK_FALSE(verify_password(*hash, ""));
}

TEST_CASE("two hashes of one password differ by their salt", "[upstream][password]") {
    auto a = hash_password("same");
    auto b = hash_password("same");
    REQUIRE(a);
    REQUIRE(b);
    CHECK(*a != *b);
    CHECK(verify_password(*b, "same"));
}

TEST_CASE("malformed hashes are rejected without verifying", "[upstream][password]") {
    CHECK_FALSE(looks_like_password_hash(""));
    CHECK_FALSE(looks_like_password_hash("secret"));
    CHECK_FALSE(looks_like_password_hash("$2y$10$abcdefghijklmnopqrstuv"));
    CHECK_FALSE(looks_like_password_hash("$argon2id$" + std::string(200, 'a')));
    CHECK_FALSE(verify_password("secret", "secret"));
}
