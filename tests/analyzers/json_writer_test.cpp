#include <doctest/doctest.h>

#include "analyzers/json_writer.h"

using analyzers::JsonWriter;

TEST_CASE("objects and arrays get commas in the right places") {
    JsonWriter json;
    json.begin_object().field("a", 1).key("list").begin_array().value("x").value(2.5).null().end_array();
    json.field("ok", true).end_object();
    CHECK(json.str() == R"({"a":1,"list":["x",2.5,null],"ok":true})");
}

TEST_CASE("strings are escaped") {
    std::string out;
    analyzers::append_json_string(out, "quote \" back \\ nl \n tab \t ctl \x01");
    CHECK(out == R"("quote \" back \\ nl \n tab \t ctl \u0001")");
}

TEST_CASE("invalid UTF-8 becomes U+FFFD so output stays valid JSON") {
    std::string out;
    analyzers::append_json_string(out, "a\xFF" "b\xC3");
    CHECK(out == "\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD\"");
}

TEST_CASE("valid multi-byte UTF-8 passes through unchanged") {
    std::string out;
    analyzers::append_json_string(out, "ナイキ €");
    CHECK(out == "\"ナイキ €\"");
}

TEST_CASE("non-finite numbers are written as null") {
    JsonWriter json;
    json.begin_array().value(1.0 / 0.0).end_array();
    CHECK(json.str() == "[null]");
}
