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

TEST_CASE("password_hash_problem: libsodium must parse the hash and its cost must be bounded",
          "[upstream][password]") {
    const std::string salt_and_hash = "$K+M+6Epv5bhakPek+8dY4A$p3t96ZsoUrFTyDw7NvAOMv6o9y4wNVQtK/R8GXwIbXs";
    auto hash = hash_password("s3cret");
    REQUIRE(hash);
    CHECK(password_hash_problem(*hash).empty());  // what hash-password makes loads
    CHECK(password_hash_problem("$argon2id$v=19$m=65536,t=2,p=1" + salt_and_hash).empty());
    CHECK(password_hash_problem("$argon2id$v=19$m=1048576,t=10,p=1" + salt_and_hash).empty());  // the limits

    CHECK(password_hash_problem("secret") == "must be a crypto_pwhash_str hash (see smpp-connector hash-password)");
    // The right prefix, but nothing could ever verify against these.
    const std::string unreadable =
        "is not a hash libsodium can read (cut short or edited?); make one with smpp-connector hash-password";
    CHECK(password_hash_problem("$argon2id$garbage") == unreadable);
    CHECK(password_hash_problem("$argon2id$v=19$m=65536,t=2,p=1$K+M+6Epv5bhakPek+8dY4A$p3t96Zso") == unreadable);
    CHECK(password_hash_problem("$argon2id$v=19$m=65536,t=2,p=1$!!!$p3t96ZsoUrFTyDw7NvAOMv6o9y4wNVQtK/R8GXwIbXs") ==
          unreadable);
    CHECK(password_hash_problem("$argon2id$v=16$m=65536,t=2,p=1" + salt_and_hash) == unreadable);

    // Readable, but every bind attempt would cost 4 GiB or a million passes.
    const std::string too_dear = "costs too much to verify on every bind: at most m=1048576 (KiB, 1 GiB) and t=10 "
                                 "(smpp-connector hash-password makes m=65536,t=2)";
    CHECK(password_hash_problem("$argon2id$v=19$m=4194304,t=2,p=1" + salt_and_hash) == too_dear);
    CHECK(password_hash_problem("$argon2id$v=19$m=1048577,t=2,p=1" + salt_and_hash) == too_dear);
    CHECK(password_hash_problem("$argon2id$v=19$m=65536,t=11,p=1" + salt_and_hash) == too_dear);
    CHECK(password_hash_problem("$argon2id$v=19$m=65536,t=1000000,p=1" + salt_and_hash) == too_dear);
}
