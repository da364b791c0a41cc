// Which cells of two reports are "the same cell": `mapsla compare` and
// `mapsla merge` match cells by scenario, reader and mode. A scenario that
// lists the same reader and mode twice (say, two batch sizes) has two cells
// with one name; they are told apart by their order, so the n-th such cell of
// one report is matched with the n-th of the other. A cell's condition
// follows from its scenario and its settings from the scenario's text, so
// neither is part of the name.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "reports/result.h"

namespace mapsla {

struct CellKey {
  std::string scenario, reader, mode;
  size_t occurrence = 0;  // 0 for the first cell of this scenario, reader and mode

  bool operator==(const CellKey&) const = default;
};

// The key of every cell, in the order of `cells`.
inline std::vector<CellKey> cell_keys(const std::vector<CellResult>& cells) {
  std::vector<CellKey> keys;
  keys.reserve(cells.size());
  for (const CellResult& c : cells) {
    CellKey key{c.scenario, c.reader, c.mode, 0};
    for (const CellKey& earlier : keys)
      key.occurrence += earlier.scenario == key.scenario && earlier.reader == key.reader &&
                        earlier.mode == key.mode;
    keys.push_back(std::move(key));
  }
  return keys;
}

// The cell of `cells` (whose keys are `keys`) named `key`, or null.
inline const CellResult* find_cell(const std::vector<CellResult>& cells,
                                   const std::vector<CellKey>& keys, const CellKey& key) {
  for (size_t i = 0; i < keys.size() && i < cells.size(); ++i)
    if (keys[i] == key) return &cells[i];
  return nullptr;
}

// "quiet / naive keys", with "#2" for the second cell of the same name.
inline std::string cell_key_label(const CellKey& key) {
  std::string out = key.scenario + " / " + key.reader + " " + key.mode;
  if (key.occurrence > 0) out += " #" + std::to_string(key.occurrence + 1);
  return out;
}

}  // namespace mapsla
