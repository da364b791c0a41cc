#include "reports/atomic_file.h"

#include <cerrno>
#include <fstream>
#include <system_error>

namespace mapsla {

void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      const int err = errno;
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      throw std::system_error(err, std::generic_category(), "write " + tmp.string());
    }
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace mapsla
