// yaml-cpp 0.7's Node::operator[] trips GCC 12's -Wdangling-pointer on a
// temporary it only compares against (a known false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif

#include "routing/route_table.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

#include <yaml-cpp/yaml.h>

namespace smpp::routing {

namespace {

constexpr std::string_view class_names[] = {"otp", "transactional", "bulk"};
constexpr std::string_view sender_names[] = {"alphanumeric", "short_code", "long_code"};

Error located(const std::string& file, int line, const std::string& field, const std::string& what) {
    std::string message = file + ":" + std::to_string(line) + ": ";
    if (!field.empty()) message += field + ": ";
    message += what;
    return Error{std::move(message), file, line, field};
}

bool all_digits(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept {
    if (s.empty() || !all_digits(s)) return std::nullopt;
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

// Error text for a number outside [min, max], or nullopt when it fits.
std::optional<std::string> uint_in(std::string_view s, std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
    auto v = parse_uint(s);
    if (!v || *v < min || *v > max) {
        std::string why = "'";
        why.append(s);
        why.append("' is not an integer between ");
        why.append(std::to_string(min));
        why.append(" and ");
        why.append(std::to_string(max));
        return why;
    }
    out = *v;
    return std::nullopt;
}

std::optional<int> parse_hhmm(std::string_view s) noexcept {
    if (s.size() != 5 || s[2] != ':') return std::nullopt;
    auto h = parse_uint(s.substr(0, 2));
    auto m = parse_uint(s.substr(3, 2));
    if (!h || !m || *h > 23 || *m > 59) return std::nullopt;
    return static_cast<int>(*h * 60 + *m);
}

std::optional<std::string> check_prefix(std::string_view p) {
    if (!all_digits(p)) return "'" + std::string(p) + "' must be digits only (\"\" for the default route)";
    if (p.size() > max_prefix_digits) return "'" + std::string(p) + "' is longer than 15 digits";
    return std::nullopt;
}

// Builds one candidate from named fields, the same for YAML keys and CSV columns.
class CandidateFields {
public:
    explicit CandidateFields(const CarrierSet& known) : known_(known) {}

    static bool is_list(std::string_view key) {
        return key == "classes" || key == "sender_types" || key == "data_codings";
    }
    static bool known_key(std::string_view key) {
        static constexpr std::string_view keys[] = {"carrier", "priority", "cost",    "weight",     "classes", "sender_types",
                                                    "data_codings", "profile", "window", "utc_offset", "zone"};
        return std::find(std::begin(keys), std::end(keys), key) != std::end(keys);
    }

    // nullopt on success, the reason otherwise.
    std::optional<std::string> scalar(Candidate& c, std::string_view key, std::string_view text) {
        std::uint64_t v = 0;
        if (key == "carrier") {
            if (text.empty()) return std::string("must not be empty");
            if (!known_.contains(text)) return "unknown carrier '" + std::string(text) + "'";
            c.carrier = std::string(text);
        } else if (key == "priority") {
            if (auto e = uint_in(text, 0, 1'000'000, v)) return e;
            c.priority = static_cast<std::uint32_t>(v);
        } else if (key == "cost") {
            if (auto e = uint_in(text, 0, 1'000'000'000'000, v)) return e;
            c.cost_micros = v;
        } else if (key == "weight") {
            if (auto e = uint_in(text, 0, 1'000'000, v)) return e;
            c.weight = static_cast<std::uint32_t>(v);
        } else if (key == "profile") {
            c.profile = std::string(text);
        } else if (key == "window") {
            auto dash = text.find('-');
            auto from = dash == std::string_view::npos ? std::nullopt : parse_hhmm(text.substr(0, dash));
            auto to = dash == std::string_view::npos ? std::nullopt : parse_hhmm(text.substr(dash + 1));
            if (!from || !to) return "'" + std::string(text) + "' is not HH:MM-HH:MM";
            if (*from == *to) return "'" + std::string(text) + "' is an empty window";
            window(c).from_minute = static_cast<std::uint16_t>(*from);
            window(c).to_minute = static_cast<std::uint16_t>(*to);
            has_window_ = true;
        } else if (key == "utc_offset") {
            std::optional<int> hm;
            if (text.size() == 6 && (text[0] == '+' || text[0] == '-')) hm = parse_hhmm(text.substr(1));
            if (!hm || *hm > 14 * 60) return "'" + std::string(text) + "' is not +HH:MM or -HH:MM (at most 14:00)";
            window(c).utc_offset_minutes = static_cast<std::int16_t>(text[0] == '-' ? -*hm : *hm);
            has_offset_ = true;
        } else if (key == "zone") {
            window(c).zone = std::string(text);
        }
        return std::nullopt;
    }

    std::optional<std::string> list_item(Candidate& c, std::string_view key, std::string_view text) {
        if (key == "classes") {
            auto v = parse_traffic_class(text);
            if (!v) return "'" + std::string(text) + "' is not one of otp, transactional, bulk";
            if (!classes_given_) c.traffic_classes = 0;
            classes_given_ = true;
            c.traffic_classes |= bit(*v);
        } else if (key == "sender_types") {
            auto v = parse_sender_type(text);
            if (!v) return "'" + std::string(text) + "' is not one of alphanumeric, short_code, long_code";
            if (!senders_given_) c.sender_types = 0;
            senders_given_ = true;
            c.sender_types |= bit(*v);
        } else {
            std::uint64_t v = 0;
            if (auto e = uint_in(text, 0, 255, v)) return e;
            c.data_codings.push_back(static_cast<std::uint8_t>(v));
        }
        return std::nullopt;
    }

    // Cross-field checks once every field is in: the field name and the reason.
    std::optional<std::pair<std::string, std::string>> finish(Candidate& c) {
        if (c.carrier.empty()) return std::pair<std::string, std::string>("carrier", "is required");
        if (c.window && !has_window_)
            return std::pair<std::string, std::string>("window", "is required with utc_offset or zone");
        if (has_window_ && !has_offset_)
            return std::pair<std::string, std::string>(
                "utc_offset", "is required with a window (this build has no time-zone database)");
        std::sort(c.data_codings.begin(), c.data_codings.end());
        c.data_codings.erase(std::unique(c.data_codings.begin(), c.data_codings.end()), c.data_codings.end());
        return std::nullopt;
    }

private:
    TimeWindow& window(Candidate& c) {
        if (!c.window) c.window.emplace();
        return *c.window;
    }

    const CarrierSet& known_;
    bool classes_given_ = false;
    bool senders_given_ = false;
    bool has_window_ = false;
    bool has_offset_ = false;
};

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return std::move(s).str();
}

// ---- YAML ----

// yaml-cpp counts lines from 0. The root of an empty file is the one node
// without a mark: its error ("must be a mapping") belongs on line 1.
int line_of(const YAML::Node& n) { return n.Mark().is_null() ? 1 : n.Mark().line + 1; }

struct YamlFail {
    Error error;
};

class YamlLoader {
public:
    YamlLoader(const std::string& file, const CarrierSet& known) : file_(file), known_(known) {}

    RouteTable load(const YAML::Node& root) {
        RouteTable table;
        if (!root.IsMap()) fail(root, "", "the file must be a mapping with a 'routes' list");
        check_keys(root, "", {"routes"});
        YAML::Node routes = root["routes"];
        if (!routes) fail(root, "routes", "is required");
        if (!routes.IsSequence()) fail(routes, "routes", "must be a list");
        std::unordered_map<std::string, int> seen;
        for (std::size_t i = 0; i < routes.size(); ++i) {
            const YAML::Node entry = routes[i];
            std::string path = "routes[" + std::to_string(i) + "]";
            if (!entry.IsMap()) fail(entry, path, "must be a mapping");
            check_keys(entry, path, {"prefix", "country", "candidates"});
            RouteEntry e;
            YAML::Node prefix = entry["prefix"];
            if (!prefix) fail(entry, path + ".prefix", "is required");
            e.prefix = scalar(prefix, path + ".prefix");
            if (auto err = check_prefix(e.prefix)) fail(prefix, path + ".prefix", *err);
            auto [it, fresh] = seen.emplace(e.prefix, line_of(prefix));
            if (!fresh)
                fail(prefix, path + ".prefix",
                     "duplicate prefix '" + e.prefix + "' (first at line " + std::to_string(it->second) + ")");
            if (YAML::Node country = entry["country"]) e.country = scalar(country, path + ".country");
            YAML::Node cands = entry["candidates"];
            if (!cands) fail(entry, path + ".candidates", "is required");
            if (!cands.IsSequence() || cands.size() == 0) fail(cands, path + ".candidates", "must be a non-empty list");
            for (std::size_t j = 0; j < cands.size(); ++j)
                e.candidates.push_back(candidate(cands[j], path + ".candidates[" + std::to_string(j) + "]", e));
            table.entries.push_back(std::move(e));
        }
        return table;
    }

private:
    [[noreturn]] void fail(const YAML::Node& at, const std::string& field, const std::string& what) const {
        throw YamlFail{located(file_, line_of(at), field, what)};
    }

    void check_keys(const YAML::Node& map, const std::string& path, std::initializer_list<std::string_view> allowed) {
        std::vector<std::string> seen;
        for (auto it = map.begin(); it != map.end(); ++it) {
            std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
            std::string field = path.empty() ? key : path + "." + key;
            if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) fail(it->first, field, "unknown key");
            if (std::find(seen.begin(), seen.end(), key) != seen.end()) fail(it->first, field, "duplicate key");
            seen.push_back(key);
        }
    }

    std::string scalar(const YAML::Node& n, const std::string& field) const {
        if (!n.IsScalar()) fail(n, field, "must be a scalar");
        return n.Scalar();
    }

    Candidate candidate(const YAML::Node& node, const std::string& path, const RouteEntry& entry) {
        if (!node.IsMap()) fail(node, path, "must be a mapping");
        Candidate c;
        c.line = line_of(node);
        CandidateFields fields(known_);
        std::vector<std::string> seen;
        for (auto it = node.begin(); it != node.end(); ++it) {
            std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
            std::string field = path + "." + key;
            if (!CandidateFields::known_key(key)) fail(it->first, field, "unknown key");
            if (std::find(seen.begin(), seen.end(), key) != seen.end()) fail(it->first, field, "duplicate key");
            seen.push_back(key);
            const YAML::Node value = it->second;
            if (CandidateFields::is_list(key)) {
                if (!value.IsSequence() || value.size() == 0) fail(value, field, "must be a non-empty list");
                for (std::size_t k = 0; k < value.size(); ++k) {
                    std::string item_field = field + "[" + std::to_string(k) + "]";
                    if (auto err = fields.list_item(c, key, scalar(value[k], item_field))) fail(value[k], item_field, *err);
                }
            } else if (auto err = fields.scalar(c, key, scalar(value, field))) {
                fail(value, field, *err);
            }
        }
        if (auto err = fields.finish(c)) {
            YAML::Node at = node[err->first];
            fail(at ? at : node, path + "." + err->first, err->second);
        }
        for (const auto& other : entry.candidates)
            if (other.carrier == c.carrier)
                fail(node["carrier"], path + ".carrier",
                     "duplicate carrier '" + c.carrier + "' for prefix '" + entry.prefix + "' (first at line " +
                         std::to_string(other.line) + ")");
        return c;
    }

    const std::string& file_;
    const CarrierSet& known_;
};

// ---- CSV ----

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        auto pos = s.find(sep, start);
        out.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
        if (pos == std::string_view::npos) return out;
        start = pos + 1;
    }
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::string_view name(TrafficClass c) noexcept { return class_names[static_cast<unsigned>(c)]; }
std::string_view name(SenderType s) noexcept { return sender_names[static_cast<unsigned>(s)]; }

std::optional<TrafficClass> parse_traffic_class(std::string_view text) noexcept {
    for (unsigned i = 0; i < 3; ++i)
        if (class_names[i] == text) return static_cast<TrafficClass>(i);
    return std::nullopt;
}

std::optional<SenderType> parse_sender_type(std::string_view text) noexcept {
    for (unsigned i = 0; i < 3; ++i)
        if (sender_names[i] == text) return static_cast<SenderType>(i);
    return std::nullopt;
}

bool TimeWindow::contains(int utc_minute_of_day) const noexcept {
    int local = ((utc_minute_of_day + utc_offset_minutes) % 1440 + 1440) % 1440;
    if (from_minute < to_minute) return local >= from_minute && local < to_minute;
    return local >= from_minute || local < to_minute;
}

std::string TimeWindow::to_string() const {
    char buf[64];
    int off = utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes;
    std::snprintf(buf, sizeof buf, "%02d:%02d-%02d:%02d UTC%c%02d:%02d", from_minute / 60, from_minute % 60,
                  to_minute / 60, to_minute % 60, utc_offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
    std::string out = buf;
    if (!zone.empty()) out += " (" + zone + ")";
    return out;
}

Result<RouteTable> parse_yaml_routes(const std::string& text, const std::string& file, const CarrierSet& known) {
    try {
        // YAML::Load keeps the first document and drops any after a '---'
        // without a word: routes there would look configured and not be.
        const auto documents = YAML::LoadAll(text);
        if (documents.size() > 1) {
            const auto mark = documents[1].Mark();
            return located(file, mark.is_null() ? 0 : mark.line + 1, "",
                           "a second YAML document (after a '---'): the file must hold one document");
        }
        return YamlLoader(file, known).load(documents.empty() ? YAML::Node() : documents.front());
    } catch (const YamlFail& f) {
        return f.error;
    } catch (const YAML::Exception& e) {
        int line = e.mark.is_null() ? 0 : e.mark.line + 1;
        return located(file, line, "", e.msg);
    }
}

Result<RouteTable> load_yaml_routes(const std::string& path, const CarrierSet& known) {
    auto text = read_file(path);
    if (!text) return Error{path + ": cannot open the file", path, 0, ""};
    return parse_yaml_routes(*text, path, known);
}

Result<RouteTable> parse_csv_routes(const std::string& text, const std::string& file, const CarrierSet& known) {
    RouteTable table;
    std::vector<std::string> columns;
    int prefix_col = -1;
    int country_col = -1;
    std::unordered_map<std::string, std::size_t> entry_of;
    std::vector<int> country_line;  // where each entry's country was set
    int line_no = 0;
    // Spreadsheets often save CSV with a UTF-8 byte order mark; it is not
    // part of the first column's name.
    std::size_t pos = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        std::string_view line(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
        pos = nl == std::string::npos ? text.size() : nl + 1;
        ++line_no;
        if (trim(line).empty() || trim(line).front() == '#') continue;
        auto cells = split(line, ',');
        if (columns.empty()) {
            for (std::size_t i = 0; i < cells.size(); ++i) {
                std::string col(trim(cells[i]));
                if (std::find(columns.begin(), columns.end(), col) != columns.end())
                    return located(file, line_no, col, "duplicate column");
                if (col == "prefix")
                    prefix_col = static_cast<int>(i);
                else if (col == "country")
                    country_col = static_cast<int>(i);
                else if (!CandidateFields::known_key(col))
                    return located(file, line_no, col, "unknown column");
                columns.push_back(col);
            }
            if (prefix_col < 0) return located(file, line_no, "prefix", "column is required in the header");
            if (std::find(columns.begin(), columns.end(), "carrier") == columns.end())
                return located(file, line_no, "carrier", "column is required in the header");
            continue;
        }
        if (cells.size() != columns.size())
            return located(file, line_no, "",
                           "expected " + std::to_string(columns.size()) + " fields, found " + std::to_string(cells.size()));
        std::string_view prefix = trim(cells[static_cast<std::size_t>(prefix_col)]);
        if (auto err = check_prefix(prefix)) return located(file, line_no, "prefix", *err);
        Candidate c;
        c.line = line_no;
        CandidateFields fields(known);
        for (std::size_t i = 0; i < cells.size(); ++i) {
            const std::string& col = columns[i];
            if (static_cast<int>(i) == prefix_col || static_cast<int>(i) == country_col) continue;
            std::string_view cell = trim(cells[i]);
            if (cell.empty() && col != "carrier") continue;  // an empty optional cell keeps the default
            if (CandidateFields::is_list(col)) {
                for (auto item : split(cell, '|'))
                    if (auto err = fields.list_item(c, col, trim(item))) return located(file, line_no, col, *err);
            } else if (auto err = fields.scalar(c, col, cell)) {
                return located(file, line_no, col, *err);
            }
        }
        if (auto err = fields.finish(c)) return located(file, line_no, err->first, err->second);
        auto [it, fresh] = entry_of.emplace(std::string(prefix), table.entries.size());
        if (fresh) {
            table.entries.push_back(RouteEntry{std::string(prefix), {}, {}});
            country_line.push_back(0);
        }
        RouteEntry& entry = table.entries[it->second];
        if (country_col >= 0) {
            std::string_view country = trim(cells[static_cast<std::size_t>(country_col)]);
            if (!country.empty()) {
                if (!entry.country.empty() && entry.country != country)
                    return located(file, line_no, "country",
                                   "'" + std::string(country) + "' differs from '" + entry.country +
                                       "' given for prefix '" + entry.prefix + "' at line " +
                                       std::to_string(country_line[it->second]));
                if (entry.country.empty()) country_line[it->second] = line_no;
                entry.country = std::string(country);
            }
        }
        for (const auto& other : entry.candidates)
            if (other.carrier == c.carrier)
                return located(file, line_no, "carrier",
                               "duplicate carrier '" + c.carrier + "' for prefix '" + entry.prefix +
                                   "' (first at line " + std::to_string(other.line) + ")");
        entry.candidates.push_back(std::move(c));
    }
    if (columns.empty()) return located(file, 1, "", "missing header row");
    return table;
}

Result<RouteTable> load_csv_routes(const std::string& path, const CarrierSet& known) {
    auto text = read_file(path);
    if (!text) return Error{path + ": cannot open the file", path, 0, ""};
    return parse_csv_routes(*text, path, known);
}

Result<RouteTable> load_routes(const std::string& path, const CarrierSet& known) {
    bool csv = path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0;
    return csv ? load_csv_routes(path, known) : load_yaml_routes(path, known);
}

std::optional<std::string> normalise_e164(std::string_view number) {
    if (!number.empty() && number.front() == '+')
        number.remove_prefix(1);
    else if (number.size() >= 2 && number[0] == '0' && number[1] == '0')
        number.remove_prefix(2);
    if (number.empty() || number.size() > max_prefix_digits || !all_digits(number)) return std::nullopt;
    return std::string(number);
}

}  // namespace smpp::routing
