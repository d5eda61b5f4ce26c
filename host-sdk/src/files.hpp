// What the host writes is about patients, and what it runs must not be anyone's to replace:
// owner-only folders and files whatever the umask, and plugin files only from trusted places.
#pragma once

#include <onshi/result.hpp>

#include <filesystem>
#include <string_view>

namespace onshi::host {

struct Manifest;

// Creates the missing folders of `dir` with mode 0700 (existing ones are left as they are).
bool make_private_dirs(const std::filesystem::path& dir);
// Writes `bytes` to `path`, mode 0600, never through a symbolic link; replaces what was there.
bool write_private_file(const std::filesystem::path& path, std::string_view bytes);

// A plugin's manifest and library, and the folders holding them, must be owned by this user or
// root and writable by nobody else: otherwise another local account could swap its code.
Result<void> check_trusted(const Manifest& manifest);

// Where crash markers go: <state_dir>/starting, else the user's own state folder
// ($XDG_STATE_HOME or ~/.local/state)/onshi/starting; empty when there is none.
std::filesystem::path marker_dir(const std::filesystem::path& state_dir);

}  // namespace onshi::host
