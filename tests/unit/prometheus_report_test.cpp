#include "reports/prometheus_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "tests/loopback_http.h"
#include "tests/unit/sample_report.h"

namespace mapsla {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(PrometheusTextfile, MatchesGoldenFile) {
  const std::string actual = render_textfile(testing::sample_report());
  EXPECT_EQ(actual, testing::golden("metrics.prom", actual))
      << "rerun with MAPSLA_UPDATE_GOLDEN=1 to accept, then review the diff";
}

TEST(PrometheusTextfile, FollowsPrometheusNaming) {
  const std::string text = render_textfile(testing::sample_report());
  const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$)");
  const std::regex label(R"re(([a-zA-Z_]+)=")re");
  const std::set<std::string> allowed = {"scenario", "reader", "mode", "class", "le"};
  std::istringstream lines(text);
  size_t samples = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, sample)) << line;
    ++samples;
    const std::string name = m[1];
    EXPECT_EQ(name.rfind("mapsla_", 0), 0u) << name;
    EXPECT_THAT(name, Not(HasSubstr("_ns"))) << "base units are seconds: " << name;
    const std::string labels = m[2];
    for (auto it = std::sregex_iterator(labels.begin(), labels.end(), label);
         it != std::sregex_iterator(); ++it)
      EXPECT_TRUE(allowed.count((*it)[1])) << "label " << (*it)[1] << " in " << line;
  }
  EXPECT_GT(samples, 50u);
  EXPECT_THAT(text, HasSubstr("# TYPE mapsla_reads_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE mapsla_anomalies_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE mapsla_op_latency_seconds histogram"));
}

TEST(PrometheusTextfile, CarriesTheReportsFigures) {
  const Report report = testing::sample_report();
  const std::string text = render_textfile(report);
  const RepetitionResult keys = report.cells[1].pooled();
  EXPECT_THAT(text, HasSubstr(fmt::format(
                        "mapsla_reads_total{{mode=\"keys\",reader=\"naive\",scenario=\"hash-"
                        "replace\"}} {}\n",
                        keys.reads)));
  EXPECT_THAT(text, HasSubstr("mapsla_anomalies_total{class=\"missing\",mode=\"keys\",reader="
                              "\"naive\",scenario=\"hash-replace\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("mapsla_anomalies_total{class=\"error\",mode=\"dump\",reader="
                              "\"naive\",scenario=\"hash-replace\"} 2\n"));
  // Every op lands in the histogram, in the +Inf bucket at least.
  EXPECT_THAT(text, HasSubstr(fmt::format("mapsla_op_latency_seconds_count{{mode=\"keys\",reader="
                                          "\"naive\",scenario=\"hash-replace\"}} {}\n",
                                          keys.op_latency.count())));
  EXPECT_THAT(text, HasSubstr("mapsla_cell_failed{mode=\"batch\",reader=\"batched\",scenario="
                              "\"hash-replace\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("mapsla_last_run_timestamp_seconds 1795312218\n"));
}

TEST(PrometheusTextfile, IsWrittenAtomically) {
  const fs::path dir = fs::temp_directory_path() / ("mapsla_prom_" + std::to_string(::getpid()));
  const fs::path path = dir / "mapsla.prom";
  write_textfile(testing::sample_report(), path);
  std::ifstream in(path);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}),
            render_textfile(testing::sample_report()));
  EXPECT_FALSE(fs::exists(dir / "mapsla.prom.tmp"));
  fs::remove_all(dir);
}

TEST(Pushgateway, ParsesUrls) {
  EXPECT_EQ(parse_pushgateway_url("http://127.0.0.1:9091").host, "http://127.0.0.1");
  EXPECT_EQ(parse_pushgateway_url("http://127.0.0.1:9091/").port, "9091");
  EXPECT_EQ(parse_pushgateway_url("https://push.example").port, "9091");
  EXPECT_EQ(parse_pushgateway_url("http://[::1]:1234").host, "http://[::1]");
  EXPECT_EQ(parse_pushgateway_url("http://[::1]").port, "9091");
  for (const char* bad :
       {"127.0.0.1:9091", "ftp://x:1", "http://host:port", "http://h:1/metrics", "http://"})
    EXPECT_THROW(parse_pushgateway_url(bad), std::invalid_argument) << bad;
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

TEST(Pushgateway, PutsTheFinalMetricsUnderJobMapslaReplacingTheGroup) {
  FakePushgateway gateway;
  const int status = push_to_gateway(testing::sample_report(),
                                     "http://127.0.0.1:" + std::to_string(gateway.port()));
  EXPECT_EQ(status, 200);
  const std::string request = gateway.request();
  EXPECT_EQ(request.rfind("PUT /metrics/job/mapsla HTTP/1.1\r\n", 0), 0u) << request.substr(0, 200);
  EXPECT_THAT(request, HasSubstr("mapsla_reads_total{"));
  EXPECT_THAT(request, HasSubstr("mapsla_op_latency_seconds_bucket{"));
}

TEST(Pushgateway, AnUnreachableGatewayIsNotReportedAsAccepted) {
  const int port = testing::free_loopback_port();
  const int status =
      push_to_gateway(testing::sample_report(), "http://127.0.0.1:" + std::to_string(port));
  EXPECT_FALSE(status >= 200 && status < 300) << status;
}

}  // namespace
}  // namespace mapsla
