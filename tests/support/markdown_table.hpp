#pragma once
// The rows of a Markdown table in a file of this repository, cell by cell, for the tests that
// hold a README's table against the code's (the model table, the sweep's flag table).

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace inflight::test {

/// The rows that start with `row_prefix` of the first table after the line that starts with
/// `heading` in `path` (relative to the source tree), each split at '|' and trimmed.
inline std::vector<std::vector<std::string>> markdown_rows(const std::string& path,
                                                           const std::string& heading,
                                                           const std::string& row_prefix) {
  std::ifstream in(std::string(INFLIGHT_SOURCE_DIR) + "/" + path);
  std::string line;
  bool in_section = false;
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    if (line.rfind(heading, 0) == 0) in_section = true;
    if (!in_section) continue;
    if (line.rfind(row_prefix, 0) != 0) {
      if (!rows.empty()) break;
      continue;
    }
    std::vector<std::string> cells;
    std::stringstream split(line.substr(1));
    std::string cell;
    while (std::getline(split, cell, '|')) {
      const auto first = cell.find_first_not_of(' ');
      const auto last = cell.find_last_not_of(' ');
      cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
    }
    rows.push_back(cells);
  }
  return rows;
}

}  // namespace inflight::test
