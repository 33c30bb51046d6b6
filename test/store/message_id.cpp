#include "store/message_id.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>
#include <unordered_set>
#include <vector>

using namespace smpp::store;
using std::chrono::milliseconds;

namespace {

Timestamp at_ms(std::int64_t unix_ms) { return Timestamp(milliseconds(unix_ms)); }

}  // namespace

TEST_CASE("message id: layout, text and key") {
    auto t = at_ms(MessageId::epoch_unix_ms + 123'456'789);
    auto id = MessageId::make(t, 513, 4095);
    CHECK(id.time() == t);
    CHECK(id.node() == 513);
    CHECK(id.sequence() == 4095);
    CHECK(id.value() == ((std::uint64_t{123'456'789} << 22) | (513u << 12) | 4095u));

    auto text = id.to_string();
    CHECK(text.size() == MessageId::text_size);
    CHECK(std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); }));
    CHECK(MessageId::parse(text) == id);
    CHECK(MessageId(1).to_string() == "0000000000001");
    CHECK(MessageId(~std::uint64_t{0}).to_string() == "FZZZZZZZZZZZZ");
    CHECK(MessageId::parse("fzzzzzzzzzzzz") == MessageId(~std::uint64_t{0}));

    auto key = id.key();
    CHECK(static_cast<unsigned char>(key[0]) == (id.value() >> 56));
    CHECK(MessageId::from_key(std::string_view(key.data(), key.size())) == id);
}

TEST_CASE("message id: parse rejects what to_string never writes") {
    CHECK_FALSE(MessageId::parse(""));
    CHECK_FALSE(MessageId::parse("000000000001"));     // 12 chars
    CHECK_FALSE(MessageId::parse("00000000000001"));   // 14 chars
    CHECK_FALSE(MessageId::parse("G000000000000"));    // 65th bit
    CHECK_FALSE(MessageId::parse("000000000000U"));    // not Crockford
    CHECK_FALSE(MessageId::parse("00000000000-1"));
    CHECK_FALSE(MessageId::from_key("1234567"));
}

TEST_CASE("message id: times before the epoch clamp to zero, first_at bounds a millisecond") {
    CHECK(MessageId::first_at(at_ms(0)).value() == 0);
    auto t = at_ms(MessageId::epoch_unix_ms + 5);
    CHECK(MessageId::first_at(t) < MessageId::make(t, 0, 1));
    CHECK(MessageId::make(at_ms(MessageId::epoch_unix_ms + 4), 1023, 4095) < MessageId::first_at(t));
}

TEST_CASE("message id generator: 1M ids are unique, increasing, and sort as text") {
    std::int64_t now = MessageId::epoch_unix_ms + 1'000'000;
    std::int64_t calls = 0;
    // A clock that advances 1 ms every 1000 calls: sequences roll within a millisecond.
    MessageIdGenerator gen(7, [&] { return at_ms(now + calls++ / 1000); });
    MessageId previous;
    std::string previous_text;
    for (int i = 0; i < 1'000'000; ++i) {
        auto id = gen.next();
        REQUIRE(id > previous);
        REQUIRE(id.node() == 7);
        if (i % 997 == 0) {
            auto text = id.to_string();
            REQUIRE(text > previous_text);
            previous_text = text;
        }
        previous = id;
    }
}

TEST_CASE("message id generator: monotonic when the clock steps back") {
    std::int64_t now = MessageId::epoch_unix_ms + 50'000;
    MessageIdGenerator gen(1, [&] { return at_ms(now); });
    auto a = gen.next();
    now -= 10'000;  // NTP steps the clock back ten seconds
    auto b = gen.next();
    auto c = gen.next();
    CHECK(b > a);
    CHECK(c > b);
    CHECK(b.time() == a.time());  // keeps using the last millisecond
    now += 20'000;
    auto d = gen.next();
    CHECK(d > c);
    CHECK(d.time() == at_ms(now));
}

TEST_CASE("message id generator: a full millisecond borrows the next one") {
    std::int64_t now = MessageId::epoch_unix_ms + 9;
    MessageIdGenerator gen(0, [&] { return at_ms(now); });
    MessageId last;
    for (int i = 0; i <= MessageId::max_sequence; ++i) last = gen.next();
    CHECK(last.sequence() == MessageId::max_sequence);
    auto next = gen.next();
    CHECK(next > last);
    CHECK(next.time() == at_ms(now + 1));
    CHECK(next.sequence() == 0);
}

TEST_CASE("message id generator: unique across threads") {
    MessageIdGenerator gen(3);
    std::vector<std::vector<MessageId>> per_thread(4);
    std::vector<std::thread> threads;
    for (auto& ids : per_thread)
        threads.emplace_back([&gen, &ids] {
            for (int i = 0; i < 50'000; ++i) ids.push_back(gen.next());
        });
    for (auto& t : threads) t.join();
    std::unordered_set<std::uint64_t> seen;
    for (auto& ids : per_thread) {
        CHECK(std::is_sorted(ids.begin(), ids.end()));
        for (auto id : ids) seen.insert(id.value());
    }
    CHECK(seen.size() == 200'000);
}

TEST_CASE("message id generator: a block of ids follow one another, and never overlap ids around it") {
    std::int64_t now = MessageId::epoch_unix_ms + 77;
    MessageIdGenerator gen(5, [&] { return at_ms(now); });
    const auto before = gen.next();
    const auto first = gen.next_block(3);
    CHECK(first.value() == before.value() + 1);
    CHECK(first.time() == at_ms(now));
    const auto after = gen.next();
    CHECK(after.value() == first.value() + 3);  // first, +1, +2 are the block's
    // Too few sequence numbers left in this millisecond: the block moves to
    // the next one, whole.
    for (int i = 0; i < MessageId::max_sequence - 6; ++i) gen.next();
    const auto moved = gen.next_block(255);
    CHECK(moved.time() == at_ms(now + 1));
    CHECK(moved.sequence() == 0);
    CHECK(gen.next().value() == moved.value() + 255);
    CHECK(gen.next_block(1) > moved);
    // Node 0 at the epoch: the block skips id 0.
    std::int64_t epoch = MessageId::epoch_unix_ms;
    MessageIdGenerator zero(0, [&] { return at_ms(epoch); });
    const auto z = zero.next_block(4);
    CHECK(z.value() == 1);
    CHECK(zero.next().value() == 5);
}

TEST_CASE("message id generator: blocks and single ids from 4 threads never collide") {
    MessageIdGenerator gen(3);
    std::vector<std::vector<std::uint64_t>> per_thread(4);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < per_thread.size(); ++t)
        threads.emplace_back([&gen, &ids = per_thread[t], t] {
            for (int i = 0; i < 20'000; ++i) {
                if ((i + t) % 4 == 0) {
                    const auto first = gen.next_block(7);
                    for (std::uint64_t k = 0; k < 7; ++k) ids.push_back(first.value() + k);
                } else {
                    ids.push_back(gen.next().value());
                }
            }
        });
    for (auto& t : threads) t.join();
    std::unordered_set<std::uint64_t> seen;
    std::size_t total = 0;
    for (const auto& ids : per_thread) {
        CHECK(std::is_sorted(ids.begin(), ids.end()));
        total += ids.size();
        seen.insert(ids.begin(), ids.end());
    }
    CHECK(seen.size() == total);
}

TEST_CASE("message id generator: advanced past the ledger's ids, a clock behind them continues after them") {
    const std::int64_t newest = MessageId::epoch_unix_ms + 500'000;
    std::int64_t now = newest - 60'000;  // restarted with the clock a minute behind
    MessageIdGenerator gen(1, [&] { return at_ms(now); });
    const auto taken = MessageId::make(at_ms(newest), 1, 5);
    gen.advance_past(taken);
    auto a = gen.next();
    CHECK(a > taken);
    CHECK(a == MessageId::make(at_ms(newest), 1, 6));
    const auto block = gen.next_block(3);
    CHECK(block.value() == a.value() + 1);
    // More than a millisecond's sequence numbers while the clock is behind:
    // it borrows the following milliseconds, never going back.
    MessageId previous(block.value() + 2);
    for (int i = 0; i < 10'000; ++i) {
        auto id = gen.next();
        REQUIRE(id > previous);
        previous = id;
    }
    CHECK(previous.time() > at_ms(newest));
    // An older id changes nothing: the generator never moves back.
    gen.advance_past(taken);
    CHECK(gen.next() > previous);
    // Once the clock passes them, ids follow the clock again.
    now = newest + 60'000;
    CHECK(gen.next() == MessageId::make(at_ms(now), 1, 0));
}

TEST_CASE("message id generator: advanced past another node's id, it mints above it") {
    const std::int64_t t = MessageId::epoch_unix_ms + 700'000;
    std::int64_t now = t - 1;
    // A node below the one that minted it: its ids in that millisecond are
    // all smaller, so it starts in the next one.
    MessageIdGenerator low(1, [&] { return at_ms(now); });
    low.advance_past(MessageId::make(at_ms(t), 2, 9));
    auto a = low.next();
    CHECK(a > MessageId::make(at_ms(t), 2, 9));
    CHECK(a.time() == at_ms(t + 1));
    MessageIdGenerator low_block(1, [&] { return at_ms(now); });
    low_block.advance_past(MessageId::make(at_ms(t), 2, 9));
    CHECK(low_block.next_block(4) > MessageId::make(at_ms(t), 2, 9));
    // A node above it mints above it in the same millisecond.
    MessageIdGenerator high(3, [&] { return at_ms(now); });
    high.advance_past(MessageId::make(at_ms(t), 2, 9));
    auto b = high.next();
    CHECK(b > MessageId::make(at_ms(t), 2, 9));
    CHECK(b.time() == at_ms(t));
}
