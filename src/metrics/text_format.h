// Pieces of the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace metrics {

// A HELP text: backslash and line feed escaped.
void append_help_escaped(std::string& out, std::string_view text);
// A label value: backslash, double quote and line feed escaped.
void append_label_escaped(std::string& out, std::string_view text);
// A sample value: shortest round-trip decimal, "+Inf", "-Inf" or "NaN".
void append_number(std::string& out, double value);

struct Label {
  std::string_view name;
  std::string_view value;
};
// `name{a="x",b="y"} value\n`; no braces without labels.
void append_sample(std::string& out, std::string_view name, const std::vector<Label>& labels,
                   double value);
// "# HELP name text\n# TYPE name type\n".
void append_header(std::string& out, std::string_view name, std::string_view help,
                   std::string_view type);

// Names as Prometheus allows them: [a-zA-Z_:][a-zA-Z0-9_:]* for a metric, [a-zA-Z_][a-zA-Z0-9_]*
// for a label (names starting "__" are reserved).
bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);

}  // namespace metrics
