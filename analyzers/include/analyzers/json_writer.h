// Minimal streaming JSON writer: enough to emit API responses, stored listing
// fields and dead-letter records without pulling in another JSON library
// (simdjson only parses).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace analyzers {

// Appends `text` to `out` as a quoted JSON string. Invalid UTF-8 bytes are
// replaced with U+FFFD so that the output is always valid JSON.
void append_json_string(std::string& out, std::string_view text);

// Builds one JSON value. Commas are inserted automatically, so callers only
// say what comes next:  w.begin_object(); w.key("id"); w.value("L1"); ...
class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view name);
    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
    JsonWriter& value(double number);
    JsonWriter& value(std::int64_t number);
    JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
    JsonWriter& value(std::uint64_t number);
    JsonWriter& value(unsigned number) { return value(static_cast<std::uint64_t>(number)); }
    JsonWriter& value(bool flag);
    JsonWriter& null();
    // Inserts an already-serialised JSON value verbatim.
    JsonWriter& raw(std::string_view json);

    template <typename T>
    JsonWriter& field(std::string_view name, const T& v) { key(name); return value(v); }

    const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    void before_value();

    std::string out_;
    // One entry per open container: true once it holds an element.
    std::vector<bool> has_element_;
    bool after_key_ = false;
};

}  // namespace analyzers
