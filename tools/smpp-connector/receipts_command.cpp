#include "tools/smpp-connector/receipts_command.hpp"

#include <charconv>
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "tools/smpp-connector/message_text.hpp"

namespace smpp::admin {

namespace {

constexpr std::string_view usage =
    "error usage: receipts replay <since> [limit 1-100000] [carrier] | receipts unmatched <carrier> [limit 1-1000] "
    "| receipts raw <since> [limit 1-1000] [carrier]; since: 2h, 90m, 7d or 2026-11-23T10:00:00Z\n";
constexpr std::string_view no_receipts = "error no receipt path here (no carriers configured)\n";

std::string one_line(std::string_view s) {
    std::string out;
    for (char c : s) out += (c == '\n' || c == '\r') ? ' ' : c;
    return out;
}

// `<since> [limit] [carrier]` from words[2] on: a bare number is the
// limit (1..max), anything else the carrier; or the error line.
struct Window {
    store::Timestamp since{};
    std::size_t limit = 0;
    std::string carrier{};
};
std::variant<std::string, Window> window_of(const std::vector<std::string_view>& words, std::size_t limit,
                                            std::size_t max, std::string_view per) {
    if (words.size() < 3 || words.size() > 5) return std::string(usage);
    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    const auto since = parse_since(words[2], now);
    if (!since) return "error bad since '" + one_line(words[2]) + "': 2h, 90m, 7d or 2026-11-23T10:00:00Z (UTC)\n";
    Window w{.since = *since, .limit = limit};
    bool limit_given = false;
    for (std::size_t i = 3; i < words.size(); ++i) {
        const auto word = words[i];
        std::size_t n = 0;
        auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), n);
        if (ec == std::errc{} && end == word.data() + word.size() && !limit_given) {
            if (n < 1 || n > max) return fmt::format("error bad limit {}: 1 to {} per {}\n", n, max, per);
            w.limit = n;
            limit_given = true;
        } else if (w.carrier.empty()) {
            w.carrier = std::string(word);
        } else {
            return std::string(usage);
        }
    }
    return w;
}

std::string unmatched_reply(const ReceiptsSources& sources, const std::vector<std::string_view>& words) {
    if (words.size() < 3 || words.size() > 4) return std::string(usage);
    std::size_t limit = kept_receipts_limit_default;
    if (words.size() == 4) {
        auto [end, ec] = std::from_chars(words[3].data(), words[3].data() + words[3].size(), limit);
        if (ec != std::errc{} || end != words[3].data() + words[3].size() || limit < 1 ||
            limit > kept_receipts_limit_max)
            return fmt::format("error bad limit '{}': 1 to {} per listing\n", one_line(words[3]),
                               kept_receipts_limit_max);
    }
    if (!sources.unmatched) return std::string(no_receipts);
    const std::string carrier(words[2]);
    auto got = sources.unmatched(carrier, limit + 1);
    if (!got.ok()) return "error ledger: " + one_line(got.status().to_string()) + "\n";
    const bool more = got->size() > limit;
    if (more) got->resize(limit);
    std::string out = fmt::format("ok {} unmatched receipts of carrier {}{}\n", got->size(), one_line(carrier),
                                  more ? fmt::format(" (the first {}; there are more)", limit) : "");
    return out + kept_receipts_text(*got);
}

std::string raw_reply(const ReceiptsSources& sources, const std::vector<std::string_view>& words) {
    auto parsed = window_of(words, kept_receipts_limit_default, kept_receipts_limit_max, "listing");
    if (auto* error = std::get_if<std::string>(&parsed)) return *error;
    if (!sources.raw) return std::string(no_receipts);
    const auto& w = std::get<Window>(parsed);
    auto listing = list_raw_receipts(sources.raw, w.since, w.carrier, w.limit);
    if (!listing.ok()) return "error ledger: " + one_line(listing.status().to_string()) + "\n";
    std::string out = fmt::format("ok {} raw receipts{} since {} ({} read)\n", listing->receipts.size(),
                                  w.carrier.empty() ? "" : " of carrier " + one_line(w.carrier),
                                  utc_millis(w.since), listing->scanned);
    out += kept_receipts_text(listing->receipts);
    if (listing->more && !listing->receipts.empty())
        out += fmt::format("more may follow: go on with --since {} (receipts of that millisecond show again)\n",
                           utc_millis(listing->receipts.back().received_at));
    else if (listing->more)
        out += fmt::format("none of its receipts in the {} read: go on with --since {}\n", listing->scanned,
                           utc_millis(listing->last_scanned));
    return out;
}

}  // namespace

void receipts_command(const ReceiptsSources& sources, const std::vector<std::string_view>& words,
                      std::function<void(std::string)> reply) {
    if (words.size() < 2) return reply(std::string(usage));
    if (words[1] == "unmatched") return reply(unmatched_reply(sources, words));
    if (words[1] == "raw") return reply(raw_reply(sources, words));
    if (words[1] != "replay") return reply(std::string(usage));
    auto parsed = window_of(words, replay_limit_default, replay_limit_max, "replay");
    if (auto* error = std::get_if<std::string>(&parsed)) return reply(*error);
    if (!sources.replay) return reply(std::string(no_receipts));
    const auto& w = std::get<Window>(parsed);
    const ReplayRequest request{.since = w.since, .carrier = w.carrier, .limit = w.limit};
    sources.replay(request, [request, reply = std::move(reply)](const ReplayResult& result) {
        reply(replay_text(request, result));
    });
}

}  // namespace smpp::admin
