#include "reports/junit_report.h"

#include <algorithm>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "reports/markup_escape.h"

namespace mapsla {
namespace {

struct Suite {
  std::string name;
  std::vector<const SlaCheck*> checks;
  size_t failures = 0;
  size_t skipped = 0;
};

std::string limit_phrase(const SlaCheck& c) {
  return fmt::format("{} {}", is_lower_limit(c.kind) ? ">=" : "<=", c.limit_text);
}

}  // namespace

std::string render_junit(const Report& report, const SlaResult& result) {
  std::vector<Suite> suites;
  for (const SlaCheck& c : result.checks) {
    auto it = std::find_if(suites.begin(), suites.end(),
                           [&](const Suite& s) { return s.name == c.scenario; });
    if (it == suites.end()) it = suites.insert(suites.end(), Suite{c.scenario, {}, 0, 0});
    it->checks.push_back(&c);
    it->failures += c.outcome == SlaOutcome::violated;
    it->skipped += c.outcome == SlaOutcome::not_evaluated;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuites name=\"mapsla SLA\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n",
      result.checks.size(), result.count(SlaOutcome::violated),
      result.count(SlaOutcome::not_evaluated));
  for (const Suite& suite : suites) {
    out += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\"",
        markup_escape(suite.name), suite.checks.size(), suite.failures, suite.skipped);
    if (!report.started_at.empty())
      out += fmt::format(" timestamp=\"{}\"", markup_escape(report.started_at));
    if (!report.environment.hostname.empty())
      out += fmt::format(" hostname=\"{}\"", markup_escape(report.environment.hostname));
    out += ">\n    <properties>\n";
    const std::pair<const char*, std::string> properties[] = {
        {"run_id", report.run_id},
        {"kernel", report.environment.kernel},
        {"mapsla_version", report.environment.mapsla_version}};
    for (const auto& [name, value] : properties)
      out +=
          fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", name, markup_escape(value));
    out += "    </properties>\n";
    for (const SlaCheck* c : suite.checks) {
      out += fmt::format("    <testcase classname=\"{}\" name=\"{}\"",
                         markup_escape(c->cell_name()), markup_escape(c->name()));
      switch (c->outcome) {
        case SlaOutcome::held:
          out += "/>\n";
          break;
        case SlaOutcome::violated: {
          const std::string message = fmt::format("{}: measured {}, limit {}", c->metric,
                                                  c->measured_text, limit_phrase(*c));
          out += fmt::format(
              ">\n      <failure type=\"sla_violation\" message=\"{}\">cell: {} / {} {}\n"
              "metric: {}\nmeasured: {}\nlimit: {}\nset at: {}</failure>\n    </testcase>\n",
              markup_escape(message), markup_escape(c->scenario), markup_escape(c->reader),
              markup_escape(c->mode), markup_escape(c->metric), markup_escape(c->measured_text),
              markup_escape(limit_phrase(*c)), markup_escape(c->origin));
          break;
        }
        case SlaOutcome::not_evaluated:
          out += fmt::format(">\n      <skipped message=\"not evaluated: {}\"/>\n    </testcase>\n",
                             markup_escape(c->measured_text));
          break;
      }
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

std::vector<std::filesystem::path> JunitReporter::write(const Report& report,
                                                        const std::filesystem::path& out_dir,
                                                        std::ostream&) {
  std::filesystem::create_directories(out_dir);
  const auto path = out_dir / file_name_;
  std::ofstream out(path);
  out << render_junit(report, result_);
  if (!out) throw std::system_error(errno, std::generic_category(), "write " + path.string());
  return {path};
}

}  // namespace mapsla
