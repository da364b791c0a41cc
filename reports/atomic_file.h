// Writes a file so that no reader ever sees half of it: the text goes to
// PATH.tmp in the same directory, then a rename replaces PATH. Throws
// std::system_error naming the file on failure (the temporary is removed).
#pragma once

#include <filesystem>
#include <string_view>

namespace mapsla {

void write_file_atomically(const std::filesystem::path& path, std::string_view text);

}  // namespace mapsla
