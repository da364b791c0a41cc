#include "cli/pushgateway.h"

#include <curl/curl.h>
#include <unistd.h>

#include <climits>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

namespace mapsla::cli {
namespace {

bool is_label_name(const std::string& name) {
  if (name.empty() || name.rfind("__", 0) == 0) return false;
  const auto word = [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
  };
  for (size_t i = 0; i < name.size(); ++i)
    if (!word(name[i], i == 0)) return false;
  return true;
}

size_t collect_body(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct Upload {
  const std::string* text;
  size_t at = 0;
};

size_t feed_body(char* buffer, size_t size, size_t n, void* in) {
  auto* upload = static_cast<Upload*>(in);
  const size_t chunk = std::min(size * n, upload->text->size() - upload->at);
  upload->text->copy(buffer, chunk, upload->at);
  upload->at += chunk;
  return chunk;
}

// One request; curl_global_init runs once, before any thread of ours could
// race it (the CLI pushes from its main thread).
PushResult request(const char* method, const std::string& url, const std::string* body) {
  static const bool initialized = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!initialized) return {0, "curl_global_init failed"};
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return {0, "curl_easy_init failed"};
  std::string response;
  Upload upload{body};
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, curl_slist_free_all);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);
  if (body) {
    // PUT with a known length; no "Expect: 100-continue" round trip.
    headers.reset(curl_slist_append(nullptr, "Content-Type: text/plain; version=0.0.4"));
    headers.reset(curl_slist_append(headers.release(), "Expect:"));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, feed_body);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  const CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) return {0, curl_easy_strerror(code)};
  PushResult result;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &result.http_status);
  if (!result.ok()) {
    while (!response.empty() && (response.back() == '\n' || response.back() == '\r'))
      response.pop_back();
    result.error = response.empty() ? "no body" : response;
  }
  return result;
}

}  // namespace

std::string parse_pushgateway_url(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos)
    throw std::invalid_argument("'" + url + "' is not a URL (use http://host:port)");
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https")
    throw std::invalid_argument("'" + url + "': scheme must be http or https");
  std::string rest = url.substr(scheme_end + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find('/') != std::string::npos)
    throw std::invalid_argument("'" + url + "': give host and port only (http://host:port)");
  const size_t colon = rest.rfind(':');
  const bool bracketed_v6 = rest.front() == '[';
  if (colon == std::string::npos || (bracketed_v6 && colon < rest.find(']')))
    return scheme + "://" + rest + ":9091";
  const std::string port = rest.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument("'" + url + "': bad port '" + port + "'");
  if (colon == 0) throw std::invalid_argument("'" + url + "': no host");
  return scheme + "://" + rest;
}

void validate_grouping_key(const GroupingKey& key) {
  if (key.job.empty()) throw std::invalid_argument("the job name is empty");
  for (const auto& [name, value] : key.labels) {
    if (!is_label_name(name))
      throw std::invalid_argument(fmt::format("'{}' is not a label name", name));
    if (name == "job") throw std::invalid_argument("'job' is the job, not a grouping label");
  }
}

std::string base64url(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n =
        (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0})
      out += kAlphabet[(n >> shift) & 63];
  }
  if (i + 1 == bytes.size()) {
    const uint32_t n = uint8_t(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string percent_encode(const std::string& segment) {
  std::string out;
  for (unsigned char c : segment) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved)
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::pair<std::string, std::string> escape_label(const std::string& name,
                                                 const std::string& value) {
  // The Pushgateway splits the path on "/" before unescaping, so a "/" must
  // be base64; an empty segment cannot be expressed at all except as "=".
  if (value.empty()) return {name + "@base64", "="};
  if (value.find('/') != std::string::npos) return {name + "@base64", base64url(value)};
  return {name, percent_encode(value)};
}

std::string grouping_path(const GroupingKey& key) {
  validate_grouping_key(key);
  const auto [job_name, job_value] = escape_label("job", key.job);
  std::string path = "/metrics/" + job_name + "/" + job_value;
  for (const auto& [name, value] : key.labels) {
    const auto [n, v] = escape_label(name, value);
    path += "/" + n + "/" + v;
  }
  return path;
}

std::string default_instance() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || !name[0]) return "unknown";
  return name;
}

std::string PushResult::describe() const {
  if (http_status == 0) return "cannot connect: " + error;
  return fmt::format("HTTP {}: {}", http_status, error.empty() ? "ok" : error);
}

PushResult push_group(const std::string& base, const GroupingKey& key, const std::string& text) {
  return request("PUT", base + grouping_path(key), &text);
}

PushResult delete_group(const std::string& base, const GroupingKey& key) {
  return request("DELETE", base + grouping_path(key), nullptr);
}

}  // namespace mapsla::cli
