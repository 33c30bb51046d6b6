#include "conf/yaml_reader.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace smpp::conf;

namespace {

// parse_yaml's error as "<line>: <message>", or "" when it parsed.
std::string error_of(const std::string& yaml) {
    try {
        parse_yaml(yaml, "f.yaml");
    } catch (const ConfigError& e) {
        const std::string what = e.what();
        return what.starts_with("f.yaml:") ? what.substr(7) : what;
    }
    return "";
}

}  // namespace

TEST_CASE("parse_yaml: a second document is an error at its '---', not dropped", "[conf][yaml]") {
    CHECK(error_of("a: 1\nb: 2\n---\na: 3\n") ==
          "3: a second YAML document starts here: the file must hold one document");
    CHECK(error_of("a: 1\n---\n") == "2: a second YAML document starts here: the file must hold one document");
    CHECK(error_of("---\na: 1\n...\n---\nb: 2\n") ==
          "4: a second YAML document starts here: the file must hold one document");
}

TEST_CASE("parse_yaml: one document, with or without its markers, parses", "[conf][yaml]") {
    CHECK(parse_yaml("a: 1\n", "f.yaml")["a"].as<int>() == 1);
    CHECK(parse_yaml("---\na: 1\n...\n", "f.yaml")["a"].as<int>() == 1);
    // '---' inside a block scalar is text, not a document.
    CHECK(parse_yaml("a: |\n  ---\n  x\n", "f.yaml")["a"].as<std::string>() == "---\nx\n");
    CHECK(parse_yaml("", "f.yaml").IsNull());
    CHECK(parse_yaml("# only a comment\n", "f.yaml").IsNull());
    CHECK(error_of("a: [1\n") .starts_with("2: invalid YAML: "));
}
