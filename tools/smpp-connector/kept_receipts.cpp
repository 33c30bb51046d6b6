#include "tools/smpp-connector/kept_receipts.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "tools/smpp-connector/message_text.hpp"

namespace smpp::admin {

namespace {

std::string one_line(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) out += (c == '\n' || c == '\r') ? ' ' : c;
    return out;
}

}  // namespace

std::string kept_receipt_line(const store::CarrierReceipt& c) {
    std::string keys;
    for (const auto& k : c.keys) {
        if (!keys.empty()) keys += ',';
        // The key an unparseable receipt is parked under starts with a
        // control character: shown as what it is.
        keys += k.starts_with('\x01') ? std::string("(no id)") : one_line(k);
    }
    return fmt::format("{} {} id={} stat={} err={} keys={} text=\"{}\"\n", utc_millis(c.received_at),
                       one_line(c.carrier), c.carrier_message_id.empty() ? "-" : one_line(c.carrier_message_id),
                       store::name(c.status), c.error_code, keys.empty() ? "-" : keys, one_line(c.raw));
}

std::string kept_receipts_text(const std::vector<store::CarrierReceipt>& receipts) {
    std::string out;
    for (const auto& c : receipts) out += kept_receipt_line(c);
    return out;
}

store::StatusOr<RawListing> list_raw_receipts(const RawReader& read, store::Timestamp since, std::string_view carrier,
                                              std::size_t limit) {
    RawListing listing;
    if (carrier.empty()) {
        auto got = read(since, limit + 1);
        if (!got.ok()) return got.status();
        listing.scanned = std::min(got->size(), limit);
        listing.more = got->size() > limit;
        if (listing.more) got->resize(limit);
        if (!got->empty()) listing.last_scanned = got->back().received_at;
        listing.receipts = std::move(*got);
        return listing;
    }
    // Pages from `since`, each starting at the previous one's final
    // millisecond (the copies of it already seen are skipped).
    constexpr std::size_t page = 1'000;
    store::Timestamp from = since;
    std::size_t seen_at_from = 0;
    for (;;) {
        auto got = read(from, page + seen_at_from);
        if (!got.ok()) return got.status();
        const bool exhausted = got->size() < page + seen_at_from;
        std::size_t i = 0;
        while (i < seen_at_from && i < got->size() && (*got)[i].received_at == from) ++i;
        if (i == got->size()) return listing;  // nothing after what was seen
        for (; i < got->size(); ++i) {
            auto& c = (*got)[i];
            ++listing.scanned;
            listing.last_scanned = c.received_at;
            if (c.received_at != from) {
                from = c.received_at;
                seen_at_from = 0;
            }
            ++seen_at_from;
            if (c.carrier == carrier) listing.receipts.push_back(std::move(c));
            if (listing.receipts.size() == limit || listing.scanned == kept_receipts_scan_max) {
                listing.more = i + 1 < got->size() || !exhausted;
                return listing;
            }
        }
        if (exhausted) return listing;
    }
}

}  // namespace smpp::admin
