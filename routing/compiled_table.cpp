#include "routing/compiled_table.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <array>
#include <map>
#include <unordered_map>

namespace smpp::routing {

namespace {

constexpr std::uint64_t p1 = 0x9E3779B185EBCA87ull;
constexpr std::uint64_t p2 = 0xC2B2AE3D27D4EB4Full;
constexpr std::uint64_t p3 = 0x165667B19E3779F9ull;

inline std::uint64_t round(std::uint64_t acc, std::uint64_t word) noexcept {
    return std::rotl(acc + word * p2, 31) * p1;
}

inline std::uint64_t load(const std::byte* p) noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
}

Error bad(const std::string& why) { return Error{"route image: " + why, "", 0, ""}; }

std::size_t align8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

std::size_t direct_span(std::uint32_t digits) {
    std::size_t n = 1;
    while (digits--) n *= 10;
    return n;
}

template <class T>
bool section_fits(std::uint64_t offset, std::uint64_t count, std::uint64_t image_size) {
    return offset % alignof(T) == 0 && offset <= image_size && count <= (image_size - offset) / sizeof(T);
}

class Interner {
public:
    std::optional<std::uint16_t> intern(const std::string& s) {
        auto it = index_.find(s);
        if (it != index_.end()) return it->second;
        if (strings_.size() >= image::none) return std::nullopt;
        auto i = static_cast<std::uint16_t>(strings_.size());
        index_.emplace(s, i);
        strings_.push_back(s);
        return i;
    }
    const std::vector<std::string>& strings() const { return strings_; }

private:
    std::unordered_map<std::string, std::uint16_t> index_;
    std::vector<std::string> strings_;
};

class Builder {
public:
    Builder(const RouteTable& table) : table_(table) {}

    std::optional<Error> build() {
        const auto& entries = table_.entries;
        items_.resize(entries.size());
        for (std::uint32_t i = 0; i < entries.size(); ++i) {
            const auto& e = entries[i];
            if (e.prefix.size() > max_prefix_digits ||
                !std::all_of(e.prefix.begin(), e.prefix.end(), [](char c) { return c >= '0' && c <= '9'; }))
                return bad("prefix '" + e.prefix + "' is not 0-15 digits");
            if (e.candidates.empty() || e.candidates.size() > 0xfffe)
                return bad("prefix '" + e.prefix + "' needs 1 to 65534 candidates");
            Item& item = items_[i];
            std::memcpy(item.digits, e.prefix.data(), e.prefix.size());
            item.length = static_cast<std::uint8_t>(e.prefix.size());
            item.entry = i;
        }
        // Fixed-size, zero-padded keys sort like the strings ('\0' < '0') without
        // chasing a million string pointers.
        std::sort(items_.begin(), items_.end(),
                  [](const Item& a, const Item& b) { return std::memcmp(a.digits, b.digits, sizeof a.digits) < 0; });
        for (std::size_t i = 1; i < items_.size(); ++i)
            if (std::memcmp(items_[i].digits, items_[i - 1].digits, sizeof items_[i].digits) == 0)
                return bad("duplicate prefix '" + entries[items_[i].entry].prefix + "'");
        // Carriers take the first string indices so a carrier index is also its string index.
        std::vector<std::uint16_t> carrier_of;
        const std::string* last = nullptr;
        std::uint16_t last_index = 0;
        for (const auto& e : entries)
            for (const auto& c : e.candidates) {
                if (!last || *last != c.carrier) {
                    auto s = strings_.intern(c.carrier);
                    if (!s) return bad("more than 65534 distinct strings");
                    last = &c.carrier;
                    last_index = *s;
                }
                carrier_of.push_back(last_index);
            }
        carrier_count_ = static_cast<std::uint32_t>(strings_.strings().size());
        // Candidates in table order, one sequential pass; trie nodes point at them.
        first_candidate_.resize(entries.size());
        country_.resize(entries.size());
        std::size_t k = 0;
        for (std::size_t i = 0; i < entries.size(); ++i) {
            first_candidate_[i] = static_cast<std::uint32_t>(candidates_.size());
            country_[i] = image::none;
            if (!entries[i].country.empty()) {
                auto s = strings_.intern(entries[i].country);
                if (!s) return bad("more than 65534 distinct strings");
                country_[i] = *s;
            }
            for (const auto& c : entries[i].candidates)
                if (auto err = add_candidate(c, carrier_of[k++])) return err;
        }
        if (entries.size() > image::max_routes) return bad("more than 4194303 prefixes");
        routes_.resize(entries.size());
        for (std::size_t i = 0; i < entries.size(); ++i)
            routes_[i] = image::Route{first_candidate_[i], static_cast<std::uint16_t>(entries[i].candidates.size()),
                                      country_[i]};
        nodes_.push_back(image::Node{0, 0});
        fill(0, 0, items_.size(), 0);
        fill_direct();
        return std::nullopt;
    }

    void write(std::vector<std::uint64_t>& words, std::size_t& size, std::uint64_t generation) const {
        image::Header h{};
        h.magic = image::magic;
        h.version = image::version;
        h.header_size = sizeof(image::Header);
        h.generation = generation;
        h.entry_count = static_cast<std::uint32_t>(table_.entries.size());
        h.node_count = static_cast<std::uint32_t>(nodes_.size());
        h.route_count = static_cast<std::uint32_t>(routes_.size());
        h.candidate_count = static_cast<std::uint32_t>(candidates_.size());
        h.string_count = static_cast<std::uint32_t>(strings_.strings().size());
        h.carrier_count = carrier_count_;
        h.window_count = static_cast<std::uint32_t>(windows_.size());
        h.coding_set_count = static_cast<std::uint32_t>(coding_sets_.size());
        std::size_t at = align8(sizeof h);
        h.routes_offset = at;
        at = align8(at + routes_.size() * sizeof(image::Route));
        h.nodes_offset = at;
        at = align8(at + nodes_.size() * sizeof(image::Node));
        h.candidates_offset = at;
        at = align8(at + candidates_.size() * sizeof(image::Candidate));
        h.strings_offset = at;
        at = align8(at + strings_.strings().size() * sizeof(image::StringRef));
        std::vector<image::StringRef> refs;
        std::string chars;
        for (const auto& s : strings_.strings()) {
            refs.push_back({static_cast<std::uint32_t>(chars.size()), static_cast<std::uint32_t>(s.size())});
            chars += s;
        }
        h.chars_offset = at;
        h.chars_size = chars.size();
        at = align8(at + chars.size());
        h.windows_offset = at;
        at = align8(at + windows_.size() * sizeof(image::Window));
        h.coding_sets_offset = at;
        at = align8(at + coding_sets_.size() * sizeof(image::CodingSet));
        h.direct_digits = direct_digits_;
        h.direct_offset = at;
        at = align8(at + direct_.size() * sizeof(image::Direct));
        h.image_size = at;

        words.assign(at / 8, 0);
        auto* base = reinterpret_cast<std::byte*>(words.data());
        auto put = [&](std::uint64_t offset, const void* src, std::size_t n) {
            if (n) std::memcpy(base + offset, src, n);
        };
        put(h.routes_offset, routes_.data(), routes_.size() * sizeof(image::Route));
        put(h.nodes_offset, nodes_.data(), nodes_.size() * sizeof(image::Node));
        put(h.candidates_offset, candidates_.data(), candidates_.size() * sizeof(image::Candidate));
        put(h.strings_offset, refs.data(), refs.size() * sizeof(image::StringRef));
        put(h.chars_offset, chars.data(), chars.size());
        put(h.windows_offset, windows_.data(), windows_.size() * sizeof(image::Window));
        put(h.coding_sets_offset, coding_sets_.data(), coding_sets_.size() * sizeof(image::CodingSet));
        put(h.direct_offset, direct_.data(), direct_.size() * sizeof(image::Direct));
        put(0, &h, sizeof h);
        size = at;
        std::uint64_t sum = image_checksum({base, at}, offsetof(image::Header, checksum));
        std::memcpy(base + offsetof(image::Header, checksum), &sum, 8);
    }

private:
    // K: the largest that keeps the direct table (16 bytes x 10^K) within
    // half the trie's 8-byte nodes, so a small table stays small.
    void fill_direct() {
        std::uint32_t k = 0;
        std::size_t span = 1;
        while (k < image::max_direct_digits && span * 10 * 4 <= nodes_.size()) ++k, span *= 10;
        direct_digits_ = k;
        if (k == 0) return;
        direct_.resize(span);
        for (std::size_t n = 0; n < span; ++n) {
            char digits[image::max_direct_digits];
            for (std::size_t i = 0, v = n; i < k; ++i, v /= 10) digits[k - 1 - i] = static_cast<char>(v % 10);
            const image::Node* node = &nodes_[0];
            std::uint32_t best = node->route(), best_digits = 0;
            bool ended = false;
            for (std::uint32_t i = 0; i < k; ++i) {
                unsigned d = static_cast<unsigned>(digits[i]);
                if (!((node->child_mask() >> d) & 1u)) {
                    ended = true;
                    break;
                }
                node = &nodes_[node->first_child + std::popcount(node->child_mask() & ((1u << d) - 1))];
                if (node->route()) best = node->route(), best_digits = i + 1;
            }
            direct_[n] = image::Direct{ended ? 0 : node->first_child, ended ? 0 : node->child_mask(), best, best_digits};
        }
    }

    // Items [lo, hi) share their first `depth` digits and end at or below node `at`.
    void fill(std::uint32_t at, std::size_t lo, std::size_t hi, std::size_t depth) {
        if (lo < hi && items_[lo].length == depth) {
            nodes_[at].packed |= (items_[lo].entry + 1) << 10;
            ++lo;
        }
        if (lo == hi) return;
        std::uint16_t mask = 0;
        for (std::size_t i = lo; i < hi; ++i) mask |= static_cast<std::uint16_t>(1u << (items_[i].digits[depth] - '0'));
        auto first = static_cast<std::uint32_t>(nodes_.size());
        nodes_[at].first_child = first;
        nodes_[at].packed |= mask;
        nodes_.resize(nodes_.size() + static_cast<std::size_t>(std::popcount(mask)), image::Node{0, 0});
        std::uint32_t child = first;
        for (std::size_t i = lo; i < hi;) {
            char digit = items_[i].digits[depth];
            std::size_t j = i + 1;
            while (j < hi && items_[j].digits[depth] == digit) ++j;
            fill(child++, i, j, depth + 1);
            i = j;
        }
    }

    std::optional<Error> add_candidate(const Candidate& c, std::uint16_t carrier) {
        image::Candidate out{};
        out.cost_micros = c.cost_micros;
        out.priority = c.priority;
        out.weight = c.weight;
        out.carrier = carrier;
        out.profile = image::none;
        if (!c.profile.empty()) {
            auto s = strings_.intern(c.profile);
            if (!s) return bad("more than 65534 distinct strings");
            out.profile = *s;
        }
        out.coding_set = image::none;
        if (!c.data_codings.empty()) {
            image::CodingSet set{};
            for (auto d : c.data_codings) set.bits[d >> 6] |= std::uint64_t{1} << (d & 63);
            auto key = std::array<std::uint64_t, 4>{set.bits[0], set.bits[1], set.bits[2], set.bits[3]};
            auto [it, fresh] = coding_index_.emplace(key, static_cast<std::uint16_t>(coding_sets_.size()));
            if (fresh) {
                if (coding_sets_.size() >= image::none) return bad("more than 65534 distinct data_coding sets");
                coding_sets_.push_back(set);
            }
            out.coding_set = it->second;
        }
        out.window = image::none;
        if (c.window) {
            image::Window w{c.window->from_minute, c.window->to_minute, c.window->utc_offset_minutes, image::none};
            if (!c.window->zone.empty()) {
                auto s = strings_.intern(c.window->zone);
                if (!s) return bad("more than 65534 distinct strings");
                w.zone = *s;
            }
            auto key = std::array<std::uint16_t, 4>{w.from_minute, w.to_minute,
                                                    static_cast<std::uint16_t>(w.utc_offset_minutes), w.zone};
            auto [it, fresh] = window_index_.emplace(key, static_cast<std::uint16_t>(windows_.size()));
            if (fresh) {
                if (windows_.size() >= image::none) return bad("more than 65534 distinct windows");
                windows_.push_back(w);
            }
            out.window = it->second;
        }
        out.traffic_classes = c.traffic_classes;
        out.sender_types = c.sender_types;
        candidates_.push_back(out);
        return std::nullopt;
    }

    struct Item {
        char digits[max_prefix_digits + 1];  // zero-padded
        std::uint8_t length;
        std::uint32_t entry;
    };

    const RouteTable& table_;
    std::vector<Item> items_;
    std::vector<std::uint32_t> first_candidate_;
    std::vector<std::uint16_t> country_;
    Interner strings_;
    std::uint32_t carrier_count_ = 0;
    std::vector<image::Node> nodes_;
    std::vector<image::Direct> direct_;
    std::uint32_t direct_digits_ = 0;
    std::vector<image::Route> routes_;
    std::vector<image::Candidate> candidates_;
    std::vector<image::Window> windows_;
    std::vector<image::CodingSet> coding_sets_;
    std::map<std::array<std::uint64_t, 4>, std::uint16_t> coding_index_;
    std::map<std::array<std::uint16_t, 4>, std::uint16_t> window_index_;
};

}  // namespace

std::uint64_t image_checksum(std::span<const std::byte> bytes, std::size_t skip) noexcept {
    std::uint64_t lane[4] = {p1 + p2, p2, 0, 0 - p1};
    const std::byte* p = bytes.data();
    std::size_t n = bytes.size();
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        std::byte block[32];
        const std::byte* b = p + i;
        if (skip + 8 > i && skip < i + 32) {
            std::memcpy(block, b, 32);
            for (std::size_t k = skip; k < skip + 8; ++k)
                if (k >= i && k < i + 32) block[k - i] = std::byte{0};
            b = block;
        }
        lane[0] = round(lane[0], load(b));
        lane[1] = round(lane[1], load(b + 8));
        lane[2] = round(lane[2], load(b + 16));
        lane[3] = round(lane[3], load(b + 24));
    }
    std::uint64_t h = std::rotl(lane[0], 1) + std::rotl(lane[1], 7) + std::rotl(lane[2], 12) + std::rotl(lane[3], 18);
    for (; i < n; ++i) {
        auto byte = (i >= skip && i < skip + 8) ? 0u : static_cast<unsigned>(p[i]);
        h = std::rotl(h ^ (byte * p3), 11) * p1;
    }
    h ^= n;
    h ^= h >> 33;
    h *= p2;
    h ^= h >> 29;
    h *= p3;
    h ^= h >> 32;
    return h;
}

Result<TableView> TableView::attach(std::span<const std::byte> image) {
    using namespace image;
    if (reinterpret_cast<std::uintptr_t>(image.data()) % 8 != 0) return bad("not 8-byte aligned");
    if (image.size() < sizeof(Header)) return bad("smaller than its header");
    Header h;
    std::memcpy(&h, image.data(), sizeof h);
    if (h.magic != magic) return bad("bad magic (not a route image)");
    if (h.version != version)
        return bad("version " + std::to_string(h.version) + " (this build reads " + std::to_string(version) + ")");
    if (h.header_size != sizeof(Header)) return bad("bad header size");
    if (h.image_size > image.size() || h.image_size < sizeof(Header) || h.image_size % 8 != 0)
        return bad("size " + std::to_string(h.image_size) + " does not fit the " + std::to_string(image.size()) +
                   " bytes mapped");
    if (image_checksum(image.first(h.image_size), offsetof(Header, checksum)) != h.checksum)
        return bad("checksum mismatch (corrupt image)");
    const auto size = h.image_size;
    if (!section_fits<Node>(h.nodes_offset, h.node_count, size) || h.node_count == 0 ||
        !section_fits<Route>(h.routes_offset, h.route_count, size) || h.route_count > max_routes ||
        !section_fits<image::Candidate>(h.candidates_offset, h.candidate_count, size) ||
        !section_fits<StringRef>(h.strings_offset, h.string_count, size) ||
        !section_fits<char>(h.chars_offset, h.chars_size, size) ||
        !section_fits<Window>(h.windows_offset, h.window_count, size) ||
        !section_fits<CodingSet>(h.coding_sets_offset, h.coding_set_count, size) ||
        h.direct_digits > max_direct_digits ||
        !section_fits<Direct>(h.direct_offset, h.direct_digits ? direct_span(h.direct_digits) : 0, size))
        return bad("a section lies outside the image");
    if (h.string_count >= none || h.carrier_count > h.string_count || h.window_count >= none ||
        h.coding_set_count >= none)
        return bad("too many strings, windows or coding sets");
    TableView v = bind(image.data());
    auto string_ok = [&](std::uint16_t s) { return s == none || s < h.string_count; };
    for (std::uint32_t i = 0; i < h.node_count; ++i) {
        const Node& n = v.nodes_[i];
        auto children = static_cast<std::uint32_t>(std::popcount(n.child_mask()));
        // Children always come after their parent, so a walk cannot loop.
        if (children && (n.first_child <= i || n.first_child > h.node_count - children))
            return bad("node " + std::to_string(i) + " points outside the trie");
        if (n.route() > h.route_count) return bad("node " + std::to_string(i) + " has a bad route index");
    }
    for (std::size_t i = 0, n = h.direct_digits ? direct_span(h.direct_digits) : 0; i < n; ++i) {
        const Direct& d = v.direct_[i];
        auto children = static_cast<std::uint32_t>(std::popcount(d.child_mask));
        if (d.child_mask > 0x3ffu || (children && d.first_child > h.node_count - children) || d.best > h.route_count ||
            d.best_digits > h.direct_digits)
            return bad("direct entry " + std::to_string(i) + " points outside the trie");
    }
    for (std::uint32_t i = 0; i < h.route_count; ++i) {
        const Route& r = v.routes_[i];
        if (r.candidate_begin > h.candidate_count || r.candidate_count > h.candidate_count - r.candidate_begin)
            return bad("route " + std::to_string(i) + " has candidates outside the image");
        if (!string_ok(r.country)) return bad("route " + std::to_string(i) + " has a bad country");
    }
    for (std::uint32_t i = 0; i < h.candidate_count; ++i) {
        const image::Candidate& c = v.candidates_[i];
        if (c.carrier >= h.carrier_count || !string_ok(c.profile) ||
            (c.window != none && c.window >= h.window_count) ||
            (c.coding_set != none && c.coding_set >= h.coding_set_count))
            return bad("candidate " + std::to_string(i) + " has an index out of range");
    }
    for (std::uint32_t i = 0; i < h.string_count; ++i)
        if (v.strings_[i].offset > h.chars_size || v.strings_[i].size > h.chars_size - v.strings_[i].offset)
            return bad("string " + std::to_string(i) + " lies outside the image");
    for (std::uint32_t i = 0; i < h.window_count; ++i) {
        const Window& w = v.windows_[i];
        if (w.from_minute >= 1440 || w.to_minute >= 1440 || !string_ok(w.zone))
            return bad("window " + std::to_string(i) + " is invalid");
    }
    return v;
}

TableView TableView::bind(const std::byte* base) noexcept {
    TableView v;
    v.base_ = base;
    v.header_ = reinterpret_cast<const image::Header*>(base);
    v.nodes_ = reinterpret_cast<const image::Node*>(base + v.header_->nodes_offset);
    v.routes_ = reinterpret_cast<const image::Route*>(base + v.header_->routes_offset);
    v.candidates_ = reinterpret_cast<const image::Candidate*>(base + v.header_->candidates_offset);
    v.strings_ = reinterpret_cast<const image::StringRef*>(base + v.header_->strings_offset);
    v.chars_ = reinterpret_cast<const char*>(base + v.header_->chars_offset);
    v.windows_ = reinterpret_cast<const image::Window*>(base + v.header_->windows_offset);
    v.coding_sets_ = reinterpret_cast<const image::CodingSet*>(base + v.header_->coding_sets_offset);
    v.direct_ = reinterpret_cast<const image::Direct*>(base + v.header_->direct_offset);
    v.direct_digits_ = v.header_->direct_digits;
    return v;
}

std::optional<RouteMatch> TableView::lookup(std::string_view digits) const noexcept {
    // The walk holds the current node's child mask and first child, which
    // the direct table gives for the first K digits in one read.
    std::uint32_t mask = nodes_->child_mask();
    std::uint32_t first = nodes_->first_child;
    std::uint32_t best = nodes_->route();
    std::size_t best_len = 0;
    std::size_t i = 0;
    if (const std::size_t k = direct_digits_; k && digits.size() >= k) {
        std::uint32_t index = 0;
        bool all_digits = true;
        for (std::size_t j = 0; j < k; ++j) {
            unsigned d = static_cast<unsigned char>(digits[j]) - '0';
            all_digits &= d <= 9;
            index = index * 10 + d;
        }
        if (all_digits) {
            const image::Direct& e = direct_[index];
            mask = e.child_mask;
            first = e.first_child;
            if (e.best) best = e.best, best_len = e.best_digits;
            i = k;
        }
    }
    for (; i < digits.size(); ++i) {
        unsigned d = static_cast<unsigned char>(digits[i]) - '0';
        if (d > 9 || !((mask >> d) & 1u)) break;
        const image::Node* n = nodes_ + first + std::popcount(mask & ((1u << d) - 1));
        const std::uint32_t packed = n->packed;
        first = n->first_child;
        mask = packed & 0x3ffu;
        if (packed >> 10) {
            best = packed >> 10;
            best_len = i + 1;
        }
    }
    if (!best) return std::nullopt;
    const image::Route& r = routes_[best - 1];
    return RouteMatch{best_len, {candidates_ + r.candidate_begin, r.candidate_count}, string(r.country)};
}

std::string_view TableView::string(std::uint16_t index) const noexcept {
    if (index == image::none) return {};
    return {chars_ + strings_[index].offset, strings_[index].size};
}

const image::Window* TableView::window(const image::Candidate& c) const noexcept {
    return c.window == image::none ? nullptr : windows_ + c.window;
}

const image::CodingSet* TableView::coding_set(const image::Candidate& c) const noexcept {
    return c.coding_set == image::none ? nullptr : coding_sets_ + c.coding_set;
}

Result<CompiledTable> CompiledTable::compile(const RouteTable& table, std::uint64_t generation) {
    Builder b(table);
    if (auto err = b.build()) return *err;
    CompiledTable out;
    b.write(out.words_, out.size_, generation);
    return out;
}

TableView CompiledTable::view() const { return TableView::bind(reinterpret_cast<const std::byte*>(words_.data())); }

}  // namespace smpp::routing
