// yaml-cpp 0.7's Node::operator[] trips GCC 12's -Wdangling-pointer on a
// temporary it only compares against (a known false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif

#include "conf/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include <yaml-cpp/eventhandler.h>

namespace smpp::conf {

namespace {

std::string join(YamlReader::Keys keys) {
    std::string out;
    for (auto k : keys) {
        if (!out.empty()) out += ", ";
        out += k;
    }
    return out;
}

std::string format(const std::string& file, int line, const std::string& message) {
    return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
}

std::string range(std::int64_t min, std::int64_t max) {
    return "must be between " + std::to_string(min) + " and " + std::to_string(max);
}

bool plain_scalar(const YAML::Node& node) { return node.IsScalar() && node.Tag() != "!"; }

// Only notes where each document starts (its '---'), building nothing.
class DocumentStarts : public YAML::EventHandler {
public:
    std::vector<YAML::Mark> marks;
    void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

}  // namespace

ConfigError::ConfigError(std::string file, int line, const std::string& message)
    : std::runtime_error(format(file, line, message)), file_(std::move(file)), line_(line) {}

void YamlReader::fail(const YAML::Node& at, const std::string& path, const std::string& message) const {
    // yaml-cpp lines are 0-based; editors count from 1.
    int line = at.Mark().is_null() ? 0 : at.Mark().line + 1;
    throw ConfigError(file_, line, path.empty() ? message : path + ": " + message);
}

void YamlReader::expect_mapping(const YAML::Node& node, const std::string& path, Keys allowed) const {
    if (!node.IsMap()) fail(node, path, "must be a mapping");
    std::vector<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
        const YAML::Node& key = it->first;
        std::string name = key.IsScalar() ? key.Scalar() : "?";
        std::string key_path = child(path, name);
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
            fail(key, key_path, "unknown key (expected one of: " + join(allowed) + ")");
        if (std::find(seen.begin(), seen.end(), name) != seen.end()) fail(key, key_path, "duplicate key");
        seen.push_back(name);
    }
}

const YAML::Node YamlReader::required(const YAML::Node& map, const std::string& path, const char* key) const {
    const YAML::Node value = map[key];
    if (!value.IsDefined()) fail(map, child(path, key), "is required");
    return value;
}

std::string YamlReader::string(const YAML::Node& node, const std::string& path) const {
    if (!node.IsScalar()) fail(node, path, "must be a string");
    return node.Scalar();
}

std::int64_t YamlReader::integer(const YAML::Node& node, const std::string& path, std::int64_t min,
                                 std::int64_t max) const {
    std::int64_t v = 0;
    bool ok = plain_scalar(node);
    if (ok) {
        const std::string& s = node.Scalar();
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        ok = ec == std::errc{} && end == s.data() + s.size() && !s.empty();
        if (!ok && ec == std::errc::result_out_of_range) fail(node, path, range(min, max));
    }
    if (!ok) fail(node, path, "must be an integer");
    if (v < min || v > max) fail(node, path, range(min, max));
    return v;
}

double YamlReader::number(const YAML::Node& node, const std::string& path, double min, double max) const {
    double v = 0;
    bool ok = plain_scalar(node);
    if (ok) {
        const std::string& s = node.Scalar();
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        ok = ec == std::errc{} && end == s.data() + s.size() && !s.empty() && std::isfinite(v);
    }
    if (!ok) fail(node, path, "must be a number");
    if (v < min || v > max) {
        std::ostringstream m;
        m << "must be between " << min << " and " << max;
        fail(node, path, m.str());
    }
    return v;
}

bool YamlReader::boolean(const YAML::Node& node, const std::string& path) const {
    if (plain_scalar(node)) {
        const std::string& s = node.Scalar();
        if (s == "true" || s == "on" || s == "yes") return true;
        if (s == "false" || s == "off" || s == "no") return false;
    }
    fail(node, path, "must be true or false");
}

YAML::Node parse_yaml(const std::string& yaml, const std::string& file) {
    try {
        // YAML::Load keeps the first document and silently drops any after a
        // '---': settings below one would look set and do nothing.
        std::vector<YAML::Node> documents = YAML::LoadAll(yaml);
        if (documents.size() > 1) {
            std::istringstream in(yaml);
            YAML::Parser parser(in);
            DocumentStarts starts;
            while (starts.marks.size() < 2 && parser.HandleNextDocument(starts)) {
            }
            const int line = starts.marks.size() < 2 || starts.marks[1].is_null() ? 0 : starts.marks[1].line + 1;
            throw ConfigError(file, line, "a second YAML document starts here: the file must hold one document");
        }
        return documents.empty() ? YAML::Node() : documents.front();
    } catch (const YAML::ParserException& e) {
        throw ConfigError(file, e.mark.is_null() ? 0 : e.mark.line + 1, "invalid YAML: " + e.msg);
    }
}

std::string read_config_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path, 0, "cannot open the file");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw ConfigError(path, 0, "cannot read the file");
    return text.str();
}

}  // namespace smpp::conf
