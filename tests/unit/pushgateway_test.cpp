#include "cli/pushgateway.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <regex>
#include <stdexcept>
#include <thread>

#include "reports/prometheus_report.h"
#include "tests/loopback_http.h"
#include "tests/unit/sample_report.h"

namespace mapsla::cli {
namespace {

using ::testing::HasSubstr;

TEST(Pushgateway, ParsesUrls) {
  EXPECT_EQ(parse_pushgateway_url("http://127.0.0.1:9091"), "http://127.0.0.1:9091");
  EXPECT_EQ(parse_pushgateway_url("http://127.0.0.1:9091/"), "http://127.0.0.1:9091");
  EXPECT_EQ(parse_pushgateway_url("https://push.example"), "https://push.example:9091");
  EXPECT_EQ(parse_pushgateway_url("http://[::1]:1234"), "http://[::1]:1234");
  EXPECT_EQ(parse_pushgateway_url("http://[::1]"), "http://[::1]:9091");
  for (const char* bad : {"127.0.0.1:9091", "ftp://x:1", "http://host:port", "http://h:1/metrics",
                          "http://", "http://:9091", "http://h:123456"})
    EXPECT_THROW(parse_pushgateway_url(bad), std::invalid_argument) << bad;
}

TEST(GroupingKey, PathHasJobThenLabelsInOrder) {
  const GroupingKey key{"mapsla", {{"instance", "node-a"}, {"run_id", "1a2b3c4d"}}};
  EXPECT_EQ(grouping_path(key), "/metrics/job/mapsla/instance/node-a/run_id/1a2b3c4d");
  EXPECT_EQ(grouping_path(GroupingKey{}), "/metrics/job/mapsla");
}

TEST(GroupingKey, ValuesWithSlashOrEmptyAreBase64Url) {
  // The Pushgateway's documented examples: "/" is not escapable in a path
  // segment, an empty value is "=".
  EXPECT_EQ(grouping_path({"mapsla", {{"instance", "zone/a/node-1"}}}),
            "/metrics/job/mapsla/instance@base64/em9uZS9hL25vZGUtMQ==");
  EXPECT_EQ(grouping_path({"mapsla", {{"instance", ""}}}), "/metrics/job/mapsla/instance@base64/=");
  EXPECT_EQ(grouping_path({"a/b", {}}), "/metrics/job@base64/YS9i");
  // base64url, not base64: "-" and "_" instead of "+" and "/".
  EXPECT_EQ(base64url("\xfb\xff/"), "-_8v");
  EXPECT_EQ(base64url("ab"), "YWI=");
  EXPECT_EQ(base64url("abc"), "YWJj");
}

TEST(GroupingKey, OtherValuesArePercentEncoded) {
  EXPECT_EQ(grouping_path({"mapsla", {{"instance", "node a:1?x#y%"}}}),
            "/metrics/job/mapsla/instance/node%20a%3A1%3Fx%23y%25");
  EXPECT_EQ(percent_encode("ip-10-0-0-1.eu-west-1.compute.internal_~"),
            "ip-10-0-0-1.eu-west-1.compute.internal_~");
  EXPECT_EQ(percent_encode("n\xc3\xb6"
                           "de"),
            "n%C3%B6de");
}

TEST(GroupingKey, RejectsBadLabelNames) {
  for (const char* bad : {"", "1node", "no-de", "__name", "job"})
    EXPECT_THROW(grouping_path({"mapsla", {{bad, "x"}}}), std::invalid_argument) << bad;
  EXPECT_THROW(grouping_path({"", {}}), std::invalid_argument);
  EXPECT_NO_THROW(grouping_path({"mapsla", {{"_node2", "x"}}}));
}

// A one-request HTTP server on loopback that records what it was sent.
class FakePushgateway {
 public:
  FakePushgateway() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 1);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakePushgateway() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  std::string request() {
    thread_.join();
    thread_ = std::thread([] {});
    return request_;
  }

 private:
  void serve() {
    const int conn = ::accept(fd_, nullptr, nullptr);
    if (conn < 0) return;
    timeval timeout{5, 0};
    ::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    char buf[4096];
    size_t body_at = std::string::npos, length = 0;
    bool continued = false;
    for (ssize_t n; (n = ::recv(conn, buf, sizeof(buf), 0)) > 0;) {
      request_.append(buf, static_cast<size_t>(n));
      if (body_at == std::string::npos &&
          (body_at = request_.find("\r\n\r\n")) != std::string::npos) {
        body_at += 4;
        std::smatch m;
        const std::string head = request_.substr(0, body_at);
        if (std::regex_search(head, m, std::regex("Content-Length: (\\d+)", std::regex::icase)))
          length = std::stoul(m[1]);
        if (!continued && head.find("100-continue") != std::string::npos) {
          const std::string go = "HTTP/1.1 100 Continue\r\n\r\n";
          ::send(conn, go.data(), go.size(), MSG_NOSIGNAL);
          continued = true;
        }
      }
      if (body_at != std::string::npos && request_.size() >= body_at + length) break;
    }
    const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ::send(conn, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(conn);
  }

  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::string request_;
};

TEST(Pushgateway, PutsTheGroupReplacingIt) {
  FakePushgateway gateway;
  const std::string text = render_pushed_metrics(testing::sample_report(), 0);
  const PushResult pushed =
      push_group("http://127.0.0.1:" + std::to_string(gateway.port()),
                 {"mapsla", {{"instance", "node/a"}, {"run_id", "r1"}}}, text);
  EXPECT_TRUE(pushed.ok()) << pushed.describe();
  const std::string request = gateway.request();
  EXPECT_EQ(
      request.rfind("PUT /metrics/job/mapsla/instance@base64/bm9kZS9h/run_id/r1 HTTP/1.1\r\n", 0),
      0u)
      << request.substr(0, 200);
  EXPECT_THAT(request, HasSubstr("Content-Type: text/plain; version=0.0.4"));
  EXPECT_THAT(request, HasSubstr("mapsla_reads_total{"));
  EXPECT_THAT(request, HasSubstr("\nmapsla_run_success 1\n"));
}

TEST(Pushgateway, DeletesTheGroup) {
  FakePushgateway gateway;
  const PushResult deleted = delete_group("http://127.0.0.1:" + std::to_string(gateway.port()),
                                          {"mapsla", {{"instance", "n1"}, {"run_id", "r1"}}});
  EXPECT_TRUE(deleted.ok()) << deleted.describe();
  EXPECT_EQ(gateway.request().rfind("DELETE /metrics/job/mapsla/instance/n1/run_id/r1 HTTP/1.1", 0),
            0u);
}

TEST(Pushgateway, AnUnreachableGatewayIsNotReportedAsAccepted) {
  const int port = testing::free_loopback_port();
  const PushResult pushed =
      push_group("http://127.0.0.1:" + std::to_string(port), GroupingKey{}, "x 1\n");
  EXPECT_FALSE(pushed.ok());
  EXPECT_EQ(pushed.http_status, 0);
  EXPECT_THAT(pushed.describe(), HasSubstr("cannot connect"));
}

}  // namespace
}  // namespace mapsla::cli
