#include "tools/smpp-connector/receipt_replay.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <mutex>
#include <vector>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "tools/smpp-connector/message_text.hpp"

namespace smpp::admin {

namespace {

// One replay: the page being replayed and how far the whole run is.
// Completions may run on the ledger's writer thread, or inline (the
// in-memory ledger); pages are read on `executor`.
struct Replay {
    const store::Ledger* ledger = nullptr;
    std::shared_ptr<relay::ReceiptMatcher> matcher;
    boost::asio::any_io_executor executor;
    ReplayRequest request;
    ReplayPacing pacing;
    std::function<void(const ReplayResult&)> done;
    std::mutex mutex;
    ReplayResult result;
    std::vector<store::CarrierReceipt> page;
    std::size_t next = 0, in_flight = 0, completed = 0;
    bool pumping = false, again = false;
    // Where the next page starts, and how many copies received at exactly
    // that millisecond were already read (a page may end inside one).
    store::Timestamp from{};
    std::size_t seen_at_from = 0;
    bool last_page = false;
};

void read_page(const std::shared_ptr<Replay>& r);
void pump(const std::shared_ptr<Replay>& r);

void count(const std::shared_ptr<Replay>& r, const store::StatusOr<std::optional<store::ReceiptMatch>>& outcome) {
    {
        std::lock_guard lock(r->mutex);
        --r->in_flight;
        ++r->completed;
        if (!outcome.ok()) {
            ++r->result.failed;
        } else if (!*outcome) {
            ++r->result.no_id;
        } else {
            switch ((*outcome)->outcome) {
                case store::receipt_outcome::matched: ++r->result.matched; break;
                case store::receipt_outcome::duplicate: ++r->result.duplicate; break;
                case store::receipt_outcome::parked: ++r->result.parked; break;
            }
        }
    }
    pump(r);
}

// Issues the page's replays up to the window. A completion that runs
// inline comes back here while the loop below holds `pumping`: it only
// asks for another round, so a page of inline completions never nests.
void pump(const std::shared_ptr<Replay>& r) {
    std::unique_lock lock(r->mutex);
    if (r->pumping) {
        r->again = true;
        return;
    }
    r->pumping = true;
    do {
        r->again = false;
        while (r->next < r->page.size() && r->in_flight < r->pacing.window) {
            const auto i = r->next++;
            ++r->in_flight;
            lock.unlock();
            r->matcher->replay(r->page[i], [r](auto outcome) { count(r, outcome); });
            lock.lock();
        }
    } while (r->again);
    r->pumping = false;
    if (r->completed < r->page.size() || r->page.empty()) return;
    r->page.clear();  // done with: the next page, or the end, once
    if (r->last_page) {
        const auto result = r->result;
        lock.unlock();
        return r->done(result);
    }
    lock.unlock();
    boost::asio::post(r->executor, [r] { read_page(r); });
}

void finish(const std::shared_ptr<Replay>& r, const store::Status& error) {
    r->result.error = error.to_string();
    r->done(r->result);
}

void read_page(const std::shared_ptr<Replay>& r) {
    const std::size_t wanted = std::min(r->pacing.page, r->request.limit - r->result.read);
    auto copies = r->ledger->raw_receipts(r->from, wanted + r->seen_at_from);
    if (!copies.ok()) return finish(r, copies.status());
    auto got = std::move(*copies);
    bool exhausted = got.size() < wanted + r->seen_at_from;
    // Skip what the previous page already read at `from`.
    std::size_t skip = 0;
    while (skip < r->seen_at_from && skip < got.size() && got[skip].received_at == r->from) ++skip;
    got.erase(got.begin(), got.begin() + static_cast<std::ptrdiff_t>(skip));
    if (got.size() > wanted) got.resize(wanted);
    const bool limit_reached = r->result.read + got.size() >= r->request.limit;
    if (limit_reached && !exhausted && !got.empty()) {
        // A run the limit ends still reads its last millisecond to the end,
        // so `--since` one millisecond later goes on exactly where it stopped.
        const auto boundary = got.back().received_at;
        std::size_t have = (boundary == r->from ? r->seen_at_from : 0);
        for (const auto& c : got) have += c.received_at == boundary;
        for (std::size_t ask = have + 256;; ask *= 2) {
            auto rest = r->ledger->raw_receipts(boundary, ask);
            if (!rest.ok()) return finish(r, rest.status());
            std::size_t at_boundary = 0;
            while (at_boundary < rest->size() && (*rest)[at_boundary].received_at == boundary) ++at_boundary;
            if (at_boundary < rest->size() || rest->size() < ask) {
                got.insert(got.end(), std::make_move_iterator(rest->begin() + static_cast<std::ptrdiff_t>(have)),
                           std::make_move_iterator(rest->begin() + static_cast<std::ptrdiff_t>(at_boundary)));
                exhausted = at_boundary == rest->size();
                break;
            }
        }
    }
    if (!got.empty()) {
        if (r->result.read == 0) r->result.first = got.front().received_at;
        r->result.last = got.back().received_at;
        if (got.back().received_at != r->from) r->seen_at_from = 0;
        r->from = got.back().received_at;
        for (const auto& c : got) r->seen_at_from += c.received_at == r->from;
    }
    r->result.read += got.size();
    r->result.more = limit_reached && !exhausted;
    r->last_page = exhausted || limit_reached || got.empty();
    if (!r->request.carrier.empty())
        std::erase_if(got, [&](const store::CarrierReceipt& c) { return c.carrier != r->request.carrier; });
    r->result.replayed += got.size();
    if (got.empty()) {
        if (r->last_page) return r->done(r->result);
        return boost::asio::post(r->executor, [r] { read_page(r); });
    }
    {
        std::lock_guard lock(r->mutex);
        r->page = std::move(got);
        r->next = r->in_flight = r->completed = 0;
    }
    pump(r);
}

}  // namespace

void replay_receipts(const store::Ledger& ledger, std::shared_ptr<relay::ReceiptMatcher> matcher,
                     boost::asio::any_io_executor executor, const ReplayRequest& request,
                     std::function<void(const ReplayResult&)> done, ReplayPacing pacing) {
    auto r = std::make_shared<Replay>();
    r->ledger = &ledger;
    r->matcher = std::move(matcher);
    r->executor = std::move(executor);
    r->request = request;
    r->request.limit = std::clamp<std::size_t>(request.limit, 1, replay_limit_max);
    r->pacing = {std::max<std::size_t>(pacing.page, 1), std::max<std::size_t>(pacing.window, 1)};
    r->done = std::move(done);
    r->from = request.since;
    boost::asio::post(r->executor, [r] { read_page(r); });
}

std::string replay_text(const ReplayRequest& request, const ReplayResult& result) {
    if (!result.error.empty()) return "error the ledger's raw receipts could not be read: " + result.error + "\n";
    const std::string of_carrier = request.carrier.empty() ? "" : fmt::format(" of carrier {}", request.carrier);
    std::string out;
    if (result.read == 0) {
        out = fmt::format("ok replayed 0 raw receipts: none kept since {}\n", utc_millis(request.since));
    } else {
        out = fmt::format("ok replayed {} raw receipts{} (of {} read, received {} .. {}): {} matched, {} duplicate, "
                          "{} parked, {} without an id, {} failed\n",
                          result.replayed, of_carrier, result.read, utc_millis(result.first),
                          utc_millis(result.last), result.matched, result.duplicate, result.parked, result.no_id,
                          result.failed);
    }
    if (result.failed > 0)
        out += "the ledger refused some (busy or closing): run the same replay again; what it applied is absorbed\n";
    if (result.more)
        out += fmt::format("more may follow: the limit ({}) was reached (its last millisecond read to the end); "
                           "go on with --since {}\n",
                           request.limit, utc_millis(result.last + std::chrono::milliseconds(1)));
    return out;
}

std::optional<store::Timestamp> parse_since(std::string_view text, store::Timestamp now) {
    if (text.empty()) return std::nullopt;
    // Relative: a count and one unit, back from now.
    if (const char unit = text.back(); unit == 's' || unit == 'm' || unit == 'h' || unit == 'd') {
        const auto digits = text.substr(0, text.size() - 1);
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || n < 0)
            return std::nullopt;
        const std::int64_t seconds = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : 86400;
        if (n > 100LL * 365 * 86400 / seconds) return std::nullopt;  // more than a century: a typo
        return now - std::chrono::seconds(n * seconds);
    }
    // Absolute, UTC: YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DDTHH:MM:SS.mmmZ.
    constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd";
    if ((text.size() != 20 && text.size() != 24) || text.back() != 'Z') return std::nullopt;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const bool digit = text[i] >= '0' && text[i] <= '9';
        if (shape[i] == 'd' ? !digit : text[i] != shape[i]) return std::nullopt;
    }
    auto number = [&](std::size_t at, std::size_t n) {
        int v = 0;
        for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (text[i] - '0');
        return v;
    };
    int millis = 0;
    if (text.size() == 24) {
        if (text[19] != '.') return std::nullopt;
        for (std::size_t i = 20; i < 23; ++i)
            if (text[i] < '0' || text[i] > '9') return std::nullopt;
        millis = number(20, 3);
    }
    std::tm tm{};
    tm.tm_year = number(0, 4) - 1900;
    tm.tm_mon = number(5, 2) - 1;
    tm.tm_mday = number(8, 2);
    tm.tm_hour = number(11, 2);
    tm.tm_min = number(14, 2);
    tm.tm_sec = number(17, 2);
    if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 59)
        return std::nullopt;
    const int day = tm.tm_mday;
    const std::time_t t = timegm(&tm);
    if (tm.tm_mday != day) return std::nullopt;  // 2026-02-30 rolled over into March
    return store::Timestamp(std::chrono::seconds(t)) + std::chrono::milliseconds(millis);
}

}  // namespace smpp::admin
