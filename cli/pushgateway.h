// Pushgateway I/O for `mapsla run --pushgateway URL` and `mapsla
// pushgateway-delete`: the CLI layer's side of the final metrics, whose text
// reports/prometheus_report.h renders (reports/ never opens a socket).
//
// A fleet pushes one group per node and run, so nodes and runs never replace
// each other's metrics. The grouping key is, in this order,
//   job="mapsla" / instance=NODE (--instance, default the hostname)
//   / run_id=ID (--fleet-run, default the run's own id)
// and every pushed series carries those three labels. A PUT replaces the whole
// group: the final push of a run is authoritative for its group. There is no
// per-scenario group: a run's scenarios are one result (one exit code, one
// report.json), and `scenario` is already a label of every per-cell series.
//
// Label values go into the URL path escaped as the Pushgateway documents:
// a value that is empty or contains "/" as `NAME@base64/BASE64URL`, any other
// as a percent-encoded path segment (RFC 3986 unreserved characters kept).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mapsla::cli {

// "http://host:port" or "https://host:port" with an optional trailing "/";
// the port defaults to 9091. Returns "scheme://host:port". Throws
// std::invalid_argument naming the problem.
std::string parse_pushgateway_url(const std::string& url);

struct GroupingKey {
  std::string job = "mapsla";
  std::vector<std::pair<std::string, std::string>> labels;  // in path order
};

// Throws std::invalid_argument when a label name is not a Prometheus label
// name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with "__") or is "job".
void validate_grouping_key(const GroupingKey& key);

// "/metrics/job/mapsla/instance/node-a/run_id/1a2b3c4d", escaped as above.
std::string grouping_path(const GroupingKey& key);

// One label value as a path segment pair: {"instance", "node-a"} or
// {"instance@base64", "bm9kZS9h"} (base64url with padding; "=" for empty).
std::pair<std::string, std::string> escape_label(const std::string& name, const std::string& value);

std::string base64url(const std::string& bytes);
std::string percent_encode(const std::string& segment);

// The hostname (gethostname), the default --instance.
std::string default_instance();

struct PushResult {
  long http_status = 0;  // 0 when no response arrived
  std::string error;     // transport error (curl's words) or the response body on a non-2xx
  bool ok() const { return error.empty() && http_status >= 200 && http_status < 300; }
  // "HTTP 400: …" or "cannot connect: …", for a one-line message.
  std::string describe() const;
};

// PUT `text` (exposition format 0.0.4) to BASE + grouping_path(key),
// replacing the group. 10 s timeout.
PushResult push_group(const std::string& base, const GroupingKey& key, const std::string& text);
// DELETE the group. The Pushgateway answers 202 whether or not it existed.
PushResult delete_group(const std::string& base, const GroupingKey& key);

}  // namespace mapsla::cli
