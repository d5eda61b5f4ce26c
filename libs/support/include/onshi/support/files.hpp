// Files as every plugin should touch them: someone else's file (the terminal's share) is opened
// once, never through a link or into a FIFO, and read within a bound; our own is written owner-only
// (0600, folders 0700) through a fresh temporary name, so a reader never sees half of it and two
// writers never share a temporary file.
#pragma once

#include <onshi/result.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace onshi::support {

// The whole file, or nothing when it is absent; an error when it is larger than max_bytes, a
// symbolic link, a FIFO or anything else than a regular file (opened once, never followed).
Result<std::optional<std::string>> read_file(const std::filesystem::path& path, std::size_t max_bytes);
// Write to `path` through a fresh temporary sibling (random name, O_EXCL, mode 0600, fsync) and
// a rename.
Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view bytes);
// Like write_file_atomically, but never replaces: false (and nothing written) when `path` exists.
Result<bool> create_file_exclusively(const std::filesystem::path& path, std::string_view bytes);
// Appends `line` and a newline, creating the file owner-only.
Result<void> append_line(const std::filesystem::path& path, std::string_view line);
// Creates the missing folders of `dir`, mode 0700; existing ones are left as they are.
Result<void> make_private_dirs(const std::filesystem::path& dir);
// The next number of `day` in a daily counter kept in `path` (from 1; a new day starts again),
// under an exclusive lock, so two processes sharing the file never get the same number.
Result<int> next_in_daily_sequence(const std::filesystem::path& path, const std::string& day);
// A secret (a private key, its passphrase file) must be readable by its owner only: ONSHI_E_REFUSED
// naming `setting` (the configuration key) and the chmod to do when group or others may read it.
// An absent or unreadable file is left for the caller's own open to report.
Result<void> check_owner_only(const std::filesystem::path& path, std::string_view domain, std::string_view setting);
// `length` random characters of [0-9a-z] (case-insensitive file systems see them as distinct).
std::string random_name_part(std::size_t length);

Error io_error(const std::filesystem::path& path, std::string what, const std::error_code& ec, std::string hint = {});

}  // namespace onshi::support
