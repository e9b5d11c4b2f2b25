#pragma once
// --exec's command: split into words with shell-like quoting ('...' literal, "..." with \" \\ \$
// \` escapes, a backslash outside quotes escapes the next character), but never run by a shell:
// no expansion, no globbing, no operators.

#include <stdexcept>
#include <string>
#include <vector>

namespace inflight::bench::runtime_api {

/// The words of `text`. Throws std::invalid_argument naming what is wrong (no words, an
/// unclosed quote, a trailing backslash).
inline std::vector<std::string> split_command(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '\'') {
      const auto end = text.find('\'', i + 1);
      if (end == std::string::npos) throw std::invalid_argument("an unclosed single quote");
      word.append(text, i + 1, end - i - 1);
      i = end;
      in_word = true;
    } else if (c == '"') {
      std::size_t j = i + 1;
      for (;; ++j) {
        if (j >= text.size()) throw std::invalid_argument("an unclosed double quote");
        if (text[j] == '"') break;
        if (text[j] == '\\' && j + 1 < text.size() &&
            std::string("\"\\$`").find(text[j + 1]) != std::string::npos) {
          ++j;
        }
        word += text[j];
      }
      i = j;
      in_word = true;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) throw std::invalid_argument("a trailing backslash");
      word += text[++i];
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) throw std::invalid_argument("no command");
  return words;
}

}  // namespace inflight::bench::runtime_api
