#include "strata/io/stored_object.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <istream>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <streambuf>
#include <vector>

#include "strata/core/error.hpp"

namespace strata::io {
namespace {

constexpr char kMagic[8] = {'S', 'T', 'R', 'A', 'T', 'A', '0', '1'};
constexpr char kEndMagic[8] = {'S', 'T', 'R', 'A', 'T', 'A', 'O', 'K'};
constexpr size_t kPrefixBytes = sizeof(kMagic) + sizeof(uint32_t);
constexpr size_t kTrailerBytes = 2 * sizeof(uint64_t) + sizeof(kEndMagic);
constexpr size_t kMaxHeaderBytes = 1 << 20;
// Large reads and writes go straight between the caller's memory and the file in chunks of this
// size; each chunk is hashed right before it is written or right after it is read, while in cache.
constexpr size_t kDirectChunk = 512 << 10;
constexpr size_t kBufferBytes = 1 << 16;
// Large objects start their write-back every this many bytes (sync_file_range), so the final fsync
// finds most pages already on their way to disk instead of flushing the whole object at once.
constexpr uint64_t kWritebackEvery = 32 << 20;

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path, int err = 0) {
  std::string message = what + " '" + path.string() + "'";
  if (err != 0) message += ": " + std::string(std::strerror(err));
  throw StorageError(message);
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void write_all(int fd, const char* data, size_t size, const std::filesystem::path& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", path, errno);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

size_t read_some(int fd, char* data, size_t size, const std::filesystem::path& path) {
  for (;;) {
    ssize_t n = ::read(fd, data, size);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) fail("cannot read", path, errno);
  }
}

void pread_exact(int fd, char* data, size_t size, uint64_t offset, const std::filesystem::path& path) {
  while (size > 0) {
    ssize_t n = ::pread(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read", path, errno);
    if (n == 0) fail("unexpected end of file in", path);
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
}

struct XxhState {
  XXH3_state_t* state = XXH3_createState();
  XxhState() { XXH3_64bits_reset(state); }
  ~XxhState() { XXH3_freeState(state); }
  void update(const char* data, size_t size) { XXH3_64bits_update(state, data, size); }
  uint64_t digest() const { return XXH3_64bits_digest(state); }
};

// An output buffer that hashes and counts every payload byte on its way to the file.
class HashingWriteBuf : public std::streambuf {
 public:
  // `file_offset`: where the payload starts in the file.
  HashingWriteBuf(int fd, uint64_t file_offset, const std::filesystem::path& path)
      : fd_(fd), path_(path), buffer_(kBufferBytes), file_offset_(file_offset) {
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }
  uint64_t bytes() const { return bytes_; }
  uint64_t digest() const { return hash_.digest(); }
  void flush_all() { flush_buffer(); }

 protected:
  int_type overflow(int_type c) override {
    flush_buffer();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }

  std::streamsize xsputn(const char* data, std::streamsize count) override {
    auto size = static_cast<size_t>(count);
    if (size < buffer_.size() / 2) {
      if (static_cast<size_t>(epptr() - pptr()) < size) flush_buffer();
      std::memcpy(pptr(), data, size);
      pbump(static_cast<int>(size));
      return count;
    }
    flush_buffer();
    for (size_t done = 0; done < size;) {
      size_t chunk = std::min(kDirectChunk, size - done);
      emit(data + done, chunk);
      done += chunk;
    }
    return count;
  }

  int sync() override {
    flush_buffer();
    return 0;
  }

 private:
  void emit(const char* data, size_t size) {
    hash_.update(data, size);
    write_all(fd_, data, size, path_);
    bytes_ += size;
    if (bytes_ - writeback_from_ >= kWritebackEvery) {
      // Asynchronous: queues the range for write-back and returns.
      ::sync_file_range(fd_, static_cast<off_t>(file_offset_ + writeback_from_),
                        static_cast<off_t>(bytes_ - writeback_from_), SYNC_FILE_RANGE_WRITE);
      writeback_from_ = bytes_;
    }
  }
  void flush_buffer() {
    size_t used = static_cast<size_t>(pptr() - pbase());
    if (used > 0) emit(pbase(), used);
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }

  int fd_;
  const std::filesystem::path& path_;
  std::vector<char> buffer_;
  XxhState hash_;
  uint64_t file_offset_;
  uint64_t bytes_ = 0;
  uint64_t writeback_from_ = 0;
};

// An input buffer over exactly `remaining` payload bytes of the file, hashing each byte once as it
// is read from the file. Reading past the payload yields end-of-file.
class HashingReadBuf : public std::streambuf {
 public:
  HashingReadBuf(int fd, uint64_t remaining, const std::filesystem::path& path)
      : fd_(fd), remaining_(remaining), path_(path), buffer_(kBufferBytes) {
    setg(buffer_.data(), buffer_.data(), buffer_.data());
  }
  uint64_t digest() const { return hash_.digest(); }
  // Payload bytes not consumed by the decoder.
  uint64_t unconsumed() const { return remaining_ + static_cast<uint64_t>(egptr() - gptr()); }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (remaining_ == 0) return traits_type::eof();
    size_t want = static_cast<size_t>(std::min<uint64_t>(buffer_.size(), remaining_));
    size_t got = fill(buffer_.data(), want);
    setg(buffer_.data(), buffer_.data(), buffer_.data() + got);
    return got == 0 ? traits_type::eof() : traits_type::to_int_type(*gptr());
  }

  std::streamsize xsgetn(char* out, std::streamsize count) override {
    auto size = static_cast<size_t>(count);
    size_t done = std::min(size, static_cast<size_t>(egptr() - gptr()));
    std::memcpy(out, gptr(), done);
    gbump(static_cast<int>(done));
    while (done < size && remaining_ > 0) {
      size_t left = size - done;
      if (left >= buffer_.size()) {
        size_t chunk = static_cast<size_t>(std::min<uint64_t>({kDirectChunk, left, remaining_}));
        size_t got = fill(out + done, chunk);
        if (got == 0) break;
        done += got;
      } else {
        if (traits_type::eq_int_type(underflow(), traits_type::eof())) break;
        size_t take = std::min(left, static_cast<size_t>(egptr() - gptr()));
        std::memcpy(out + done, gptr(), take);
        gbump(static_cast<int>(take));
        done += take;
      }
    }
    return static_cast<std::streamsize>(done);
  }

 private:
  size_t fill(char* out, size_t want) {
    size_t got = 0;
    while (got < want) {
      size_t n = read_some(fd_, out + got, want - got, path_);
      if (n == 0) fail("unexpected end of file in", path_);
      got += n;
    }
    hash_.update(out, got);
    remaining_ -= got;
    return got;
  }

  int fd_;
  uint64_t remaining_;
  const std::filesystem::path& path_;
  std::vector<char> buffer_;
  XxhState hash_;
};

std::string encode_header(const StoredObjectHeader& header) {
  nlohmann::json doc = {
      {"format", "strata-object"}, {"version", header.version}, {"codec", header.codec}, {"type", header.type_name}};
  return doc.dump();
}

void fsync_directory(const std::filesystem::path& dir) {
  Fd fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (fd.fd >= 0) ::fsync(fd.fd);
}

std::filesystem::path temp_path_for(const std::filesystem::path& path) {
  static std::atomic<uint64_t> counter{0};
  return path.parent_path() / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
                               std::to_string(counter.fetch_add(1)));
}

struct Layout {
  StoredObjectHeader header;
  uint64_t payload_offset = 0;
  uint64_t payload_bytes = 0;
  uint64_t checksum = 0;
};

Layout read_layout(int fd, const std::filesystem::path& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail("cannot stat", path, errno);
  auto size = static_cast<uint64_t>(st.st_size);
  if (size < kPrefixBytes + kTrailerBytes) fail("not a Strata stored object (too short):", path);
  char prefix[kPrefixBytes];
  pread_exact(fd, prefix, kPrefixBytes, 0, path);
  if (std::memcmp(prefix, kMagic, sizeof kMagic) != 0) fail("not a Strata stored object (bad magic):", path);
  uint32_t header_bytes = 0;
  std::memcpy(&header_bytes, prefix + sizeof kMagic, sizeof header_bytes);
  char trailer[kTrailerBytes];
  pread_exact(fd, trailer, kTrailerBytes, size - kTrailerBytes, path);
  Layout layout;
  std::memcpy(&layout.payload_bytes, trailer, sizeof(uint64_t));
  std::memcpy(&layout.checksum, trailer + sizeof(uint64_t), sizeof(uint64_t));
  if (std::memcmp(trailer + 2 * sizeof(uint64_t), kEndMagic, sizeof kEndMagic) != 0 || header_bytes > kMaxHeaderBytes ||
      kPrefixBytes + header_bytes + layout.payload_bytes + kTrailerBytes != size) {
    fail("corrupted stored object (truncated or damaged framing):", path);
  }
  std::string header_text(header_bytes, '\0');
  pread_exact(fd, header_text.data(), header_bytes, kPrefixBytes, path);
  try {
    auto doc = nlohmann::json::parse(header_text);
    layout.header.codec = doc.at("codec").get<std::string>();
    layout.header.type_name = doc.at("type").get<std::string>();
    layout.header.version = doc.at("version").get<int>();
  } catch (const nlohmann::json::exception&) {
    fail("corrupted stored object (unreadable header):", path);
  }
  layout.payload_offset = kPrefixBytes + header_bytes;
  return layout;
}

}  // namespace

uint64_t write_stored_object(const std::filesystem::path& path, const StoredObjectHeader& header,
                             const std::function<void(std::ostream&)>& write_payload) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) fail("cannot create directory for", path, ec.value());
  std::filesystem::path temp = temp_path_for(path);
  Fd fd{::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
  if (fd.fd < 0) fail("cannot create", temp, errno);
  try {
    std::string header_text = encode_header(header);
    auto header_bytes = static_cast<uint32_t>(header_text.size());
    std::string prefix(kMagic, sizeof kMagic);
    prefix.append(reinterpret_cast<const char*>(&header_bytes), sizeof header_bytes);
    prefix += header_text;
    write_all(fd.fd, prefix.data(), prefix.size(), path);

    HashingWriteBuf payload(fd.fd, prefix.size(), path);
    {
      std::ostream out(&payload);
      out.exceptions(std::ios::badbit);
      write_payload(out);
      out.flush();
    }
    payload.flush_all();
    char trailer[kTrailerBytes];
    uint64_t payload_bytes = payload.bytes();
    uint64_t checksum = payload.digest();
    std::memcpy(trailer, &payload_bytes, sizeof payload_bytes);
    std::memcpy(trailer + sizeof(uint64_t), &checksum, sizeof checksum);
    std::memcpy(trailer + 2 * sizeof(uint64_t), kEndMagic, sizeof kEndMagic);
    write_all(fd.fd, trailer, sizeof trailer, path);
    if (::fsync(fd.fd) != 0) fail("cannot fsync", temp, errno);
    if (::close(fd.fd) != 0) {
      fd.fd = -1;
      fail("cannot close", temp, errno);
    }
    fd.fd = -1;
    if (::rename(temp.c_str(), path.c_str()) != 0) fail("cannot rename temporary file onto", path, errno);
    fsync_directory(path.parent_path());
    return prefix.size() + payload_bytes + kTrailerBytes;
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
}

void read_stored_object(const std::filesystem::path& path, const StoredObjectHeader& expected, const std::string& what,
                        const std::function<void(std::istream&)>& read_payload) {
  Fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) {
    int err = errno;
    if (err == ENOENT) {
      throw MissingDataError(what + ": no stored object at '" + path.string() + "' (has it been materialized?)");
    }
    fail("cannot open", path, err);
  }
  Layout layout = read_layout(fd.fd, path);
  if (!expected.type_name.empty() && layout.header.type_name != expected.type_name) {
    throw StorageError(what + ": object at '" + path.string() + "' holds " + layout.header.type_name + ", expected " +
                       expected.type_name);
  }
  if (!expected.codec.empty() && layout.header.codec != expected.codec) {
    throw StorageError(what + ": object at '" + path.string() + "' uses codec " + layout.header.codec +
                       ", this build reads " + expected.codec);
  }
  ::posix_fadvise(fd.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  if (::lseek(fd.fd, static_cast<off_t>(layout.payload_offset), SEEK_SET) < 0) fail("cannot seek in", path, errno);
  HashingReadBuf payload(fd.fd, layout.payload_bytes, path);
  std::istream in(&payload);
  try {
    read_payload(in);
  } catch (const StorageError&) {
    throw;
  } catch (const std::exception& e) {
    throw StorageError(what + ": corrupted stored object '" + path.string() + "' (" + e.what() + ")");
  }
  if (payload.unconsumed() != 0 || payload.digest() != layout.checksum) {
    throw StorageError(what + ": corrupted stored object '" + path.string() + "' (checksum mismatch)");
  }
}

StoredObjectHeader read_stored_object_header(const std::filesystem::path& path) {
  Fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) fail("cannot open", path, errno);
  return read_layout(fd.fd, path).header;
}

}  // namespace strata::io
