#include "strata/io/stored_object.hpp"

#include <fcntl.h>
#include <sys/mman.h>
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
#include <sstream>
#include <streambuf>
#include <vector>

#include "strata/core/resources/staged_files.hpp"
#include "strata/core/util/error.hpp"

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
    if (size == 0) return 0;  // an empty string or vector: `data` may be null
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

// A read-only view of a file's bytes: mapped (populated with read-ahead) for files of any size.
class MappedFile {
 public:
  MappedFile(int fd, uint64_t size, const std::filesystem::path& path) : size_(size) {
    if (size_ == 0) return;
    void* map = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (map == MAP_FAILED) fail("cannot map", path, errno);
    data_ = static_cast<const char*>(map);
  }
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const char* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  const char* data_ = nullptr;
  uint64_t size_;
};

// An input buffer over verified bytes in memory; reading past them yields end-of-file.
class MemoryReadBuf : public std::streambuf {
 public:
  MemoryReadBuf(const char* data, uint64_t size) {
    char* begin = const_cast<char*>(data);
    setg(begin, begin, begin + size);
  }
  uint64_t unconsumed() const { return static_cast<uint64_t>(egptr() - gptr()); }

 protected:
  std::streamsize xsgetn(char* out, std::streamsize count) override {
    std::streamsize take = std::min<std::streamsize>(count, egptr() - gptr());
    if (take <= 0) return 0;  // `out` may be null for an empty value
    std::memcpy(out, gptr(), static_cast<size_t>(take));
    for (std::streamsize left = take; left > 0;) {  // gbump takes an int
      int step = static_cast<int>(std::min<std::streamsize>(left, 1 << 30));
      gbump(step);
      left -= step;
    }
    return take;
  }
};

std::string encode_header(const StoredObjectHeader& header) {
  nlohmann::json doc = {
      {"format", "strata-object"}, {"version", header.version}, {"codec", header.codec}, {"type", header.type_name}};
  return doc.dump();
}

struct Layout {
  StoredObjectHeader header;
  uint64_t payload_offset = 0;
  uint64_t payload_bytes = 0;
  uint64_t checksum = 0;
};

[[noreturn]] void corrupted(const std::string& what, const std::string& path, const std::string& why) {
  throw StorageError(what + ": corrupted stored object '" + path + "' (" + why + ")");
}

// Checks the framing of an object of `size` bytes from its first bytes (`head`: the whole object, or
// at least its prefix and header) and its last kTrailerBytes (`trailer`): magic, header, lengths,
// end marker.
Layout parse_layout(std::string_view head, const char* trailer, uint64_t size, const std::string& path,
                    const std::string& what) {
  if (size < kPrefixBytes + kTrailerBytes) corrupted(what, path, "too short to be a Strata stored object");
  const char* bytes = head.data();
  if (std::memcmp(bytes, kMagic, sizeof kMagic) != 0) corrupted(what, path, "not a Strata stored object: bad magic");
  uint32_t header_bytes = 0;
  std::memcpy(&header_bytes, bytes + sizeof kMagic, sizeof header_bytes);
  Layout layout;
  std::memcpy(&layout.payload_bytes, trailer, sizeof(uint64_t));
  std::memcpy(&layout.checksum, trailer + sizeof(uint64_t), sizeof(uint64_t));
  if (std::memcmp(trailer + 2 * sizeof(uint64_t), kEndMagic, sizeof kEndMagic) != 0) {
    corrupted(what, path, "truncated or damaged: no end marker");
  }
  // Compared without overflow: every length is checked against what the file really holds.
  if (header_bytes > kMaxHeaderBytes || header_bytes > size - kPrefixBytes - kTrailerBytes ||
      layout.payload_bytes != size - kPrefixBytes - kTrailerBytes - header_bytes) {
    corrupted(what, path, "damaged framing: lengths do not match the file size");
  }
  if (head.size() < kPrefixBytes + header_bytes) corrupted(what, path, "header beyond the bytes read");
  try {
    auto doc = nlohmann::json::parse(std::string_view(bytes + kPrefixBytes, header_bytes));
    layout.header.codec = doc.at("codec").get<std::string>();
    layout.header.type_name = doc.at("type").get<std::string>();
    layout.header.version = doc.at("version").get<int>();
  } catch (const nlohmann::json::exception&) {
    corrupted(what, path, "unreadable header");
  }
  layout.payload_offset = kPrefixBytes + header_bytes;
  return layout;
}

// The framing of a whole object in memory.
Layout read_layout(std::string_view object, const std::string& path, const std::string& what) {
  if (object.size() < kPrefixBytes + kTrailerBytes) corrupted(what, path, "too short to be a Strata stored object");
  return parse_layout(object, object.data() + object.size() - kTrailerBytes, object.size(), path, what);
}

// Asks for transparent huge pages over the 2 MiB-aligned interior of a large, fresh buffer: filling
// it then takes one page fault per 2 MiB instead of one per 4 KiB (a quarter of a million for 1 GiB).
// Advice only: where the kernel has no huge pages, nothing changes.
void advise_huge_pages(char* bytes, uint64_t size) {
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  if (size < 4 * kHuge) return;
  auto begin = (reinterpret_cast<uintptr_t>(bytes) + kHuge - 1) & ~(kHuge - 1);
  auto end = (reinterpret_cast<uintptr_t>(bytes) + size) & ~(kHuge - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

// Reads exactly `size` bytes at `offset`; false when the file ends first.
bool pread_all(int fd, char* out, size_t size, uint64_t offset, const std::string& what,
               const std::filesystem::path& path) {
  while (size > 0) {
    ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(what + ": cannot read", path, errno);
    }
    if (n == 0) return false;
    out += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

struct OpenedObject {
  Fd fd;
  std::unique_ptr<MappedFile> file;
};

void open_object(const std::filesystem::path& path, const std::string& what, OpenedObject& object) {
  object.fd.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (object.fd.fd < 0) {
    int err = errno;
    if (err == ENOENT) {
      throw MissingDataError(what + ": no stored object at '" + path.string() + "' (has it been materialized?)");
    }
    fail(what + ": cannot open", path, err);
  }
  struct stat st {};
  if (::fstat(object.fd.fd, &st) != 0) fail(what + ": cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) throw StorageError(what + ": '" + path.string() + "' is not a regular file");
  object.file = std::make_unique<MappedFile>(object.fd.fd, static_cast<uint64_t>(st.st_size), path);
}

// Creates `target` (and its directory) as a new file, open for writing.
int create_new_file(const std::filesystem::path& target) {
  std::error_code ec;
  std::filesystem::create_directories(target.parent_path(), ec);
  if (ec) fail("cannot create directory for", target, ec.value());
  int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create", target, errno);
  return fd;
}

// Magic, header length and header.
std::string prefix_of(const StoredObjectHeader& header) {
  std::string header_text = encode_header(header);
  auto header_bytes = static_cast<uint32_t>(header_text.size());
  std::string prefix(kMagic, sizeof kMagic);
  prefix.append(reinterpret_cast<const char*>(&header_bytes), sizeof header_bytes);
  prefix += header_text;
  return prefix;
}

// Payload length, checksum and end marker.
std::string trailer_of(uint64_t payload_bytes, uint64_t checksum) {
  std::string trailer(reinterpret_cast<const char*>(&payload_bytes), sizeof payload_bytes);
  trailer.append(reinterpret_cast<const char*>(&checksum), sizeof checksum);
  trailer.append(kEndMagic, sizeof kEndMagic);
  return trailer;
}

}  // namespace

uint64_t write_stored_object_file(const std::filesystem::path& target, const StoredObjectHeader& header,
                                  const std::function<void(std::ostream&)>& write_payload) {
  Fd fd{create_new_file(target)};
  try {
    std::string prefix = prefix_of(header);
    write_all(fd.fd, prefix.data(), prefix.size(), target);

    HashingWriteBuf payload(fd.fd, prefix.size(), target);
    {
      std::ostream out(&payload);
      out.exceptions(std::ios::badbit);
      write_payload(out);
      out.flush();
    }
    payload.flush_all();
    uint64_t payload_bytes = payload.bytes();
    std::string trailer = trailer_of(payload_bytes, payload.digest());
    write_all(fd.fd, trailer.data(), trailer.size(), target);
    if (::fsync(fd.fd) != 0) fail("cannot fsync", target, errno);
    if (::close(fd.fd) != 0) {
      fd.fd = -1;
      fail("cannot close", target, errno);
    }
    fd.fd = -1;
    return prefix.size() + payload_bytes + kTrailerBytes;
  } catch (...) {
    ::unlink(target.c_str());
    throw;
  }
}

uint64_t write_stored_object(const std::filesystem::path& path, const StoredObjectHeader& header,
                             const std::function<void(std::ostream&)>& write_payload) {
  std::filesystem::path temp = temporary_file_for(path);
  uint64_t bytes = write_stored_object_file(temp, header, write_payload);
  try {
    publish_staged_file(temp, path);
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
  return bytes;
}

MappedObject::MappedObject(const std::filesystem::path& path, const std::string& what) {
  OpenedObject object;
  open_object(path, what, object);
  const MappedFile* file = object.file.release();
  file_ = std::shared_ptr<const void>(file, [](const void* mapped) { delete static_cast<const MappedFile*>(mapped); });
  bytes_ = file->data() == nullptr ? std::string_view() : std::string_view(file->data(), file->size());
}

bool is_stored_object(std::string_view bytes) {
  return bytes.size() >= sizeof kMagic && std::memcmp(bytes.data(), kMagic, sizeof kMagic) == 0;
}

void read_stored_object(const std::filesystem::path& path, const StoredObjectHeader& expected, const std::string& what,
                        const std::function<void(std::istream&)>& read_payload) {
  MappedObject object(path, what);
  decode_stored_object(object.bytes(), path.string(), expected, what, read_payload);
}

void decode_stored_object(std::string_view object, const std::string& path, const StoredObjectHeader& expected,
                          const std::string& what, const std::function<void(std::istream&)>& read_payload) {
  Layout layout = read_layout(object, path, what);
  // Every payload byte is verified before the decoder sees any: a damaged length field inside the
  // payload can never make the decoder size a buffer from it.
  const char* payload_bytes = object.data() + layout.payload_offset;
  if (XXH3_64bits(payload_bytes, layout.payload_bytes) != layout.checksum) {
    corrupted(what, path, "checksum mismatch");
  }
  if (!expected.type_name.empty() && layout.header.type_name != expected.type_name) {
    throw StorageError(what + ": object at '" + path + "' holds " + layout.header.type_name + ", expected " +
                       expected.type_name);
  }
  if (!expected.codec.empty() && layout.header.codec != expected.codec) {
    throw StorageError(what + ": object at '" + path + "' uses codec " + layout.header.codec + ", this build reads " +
                       expected.codec);
  }
  MemoryReadBuf payload(payload_bytes, layout.payload_bytes);
  std::istream in(&payload);
  try {
    read_payload(in);
  } catch (const StorageError&) {
    throw;
  } catch (const std::exception& e) {
    corrupted(what, path, e.what());
  }
  if (payload.unconsumed() != 0) corrupted(what, path, "payload longer than its value");
}

std::shared_ptr<const void> read_flat_stored_object(
    const std::filesystem::path& path, const StoredObjectHeader& expected, const std::string& what, size_t element_size,
    std::shared_ptr<const void> (*decode_flat)(uint64_t count, const FlatFill& fill)) {
  constexpr size_t kHeadBytes = 64 << 10;
  constexpr size_t kCountBytes = sizeof(uint64_t);
  Fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st {};
  if (fd.fd < 0 || ::fstat(fd.fd, &st) != 0 || !S_ISREG(st.st_mode) || element_size == 0) return nullptr;
  auto size = static_cast<uint64_t>(st.st_size);
  if (size < kPrefixBytes + kTrailerBytes + kCountBytes) return nullptr;
  ::posix_fadvise(fd.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  // Framing, header and element count: everything that is not the elements' bytes.
  Layout layout;
  uint64_t count = 0;
  try {
    std::string head(static_cast<size_t>(std::min<uint64_t>(size, kHeadBytes)), '\0');
    char trailer[kTrailerBytes];
    if (!pread_all(fd.fd, head.data(), head.size(), 0, what, path) ||
        !pread_all(fd.fd, trailer, sizeof trailer, size - kTrailerBytes, what, path)) {
      return nullptr;
    }
    layout = parse_layout(head, trailer, size, path.string(), what);
    if (layout.payload_bytes < kCountBytes ||
        !pread_all(fd.fd, reinterpret_cast<char*>(&count), kCountBytes, layout.payload_offset, what, path)) {
      return nullptr;
    }
  } catch (const StorageError&) {
    return nullptr;
  }
  uint64_t element_bytes = layout.payload_bytes - kCountBytes;
  if (layout.header.type_name != expected.type_name || layout.header.codec != expected.codec ||
      element_bytes % element_size != 0 || count != element_bytes / element_size) {
    return nullptr;
  }
  // The elements: read into the value's storage range by range, each range hashed right after it
  // arrives (still in cache).
  struct Reader {
    int fd;
    uint64_t offset;
    uint64_t total;
    bool first;
    XxhState hash;
    const std::filesystem::path& path;
    const std::string& what;
  } reader{fd.fd, layout.payload_offset + kCountBytes, element_bytes, true, {}, path, what};
  reader.hash.update(reinterpret_cast<const char*>(&count), kCountBytes);
  auto fill = [](void* context, char* bytes, size_t length) {
    auto& r = *static_cast<Reader*>(context);
    if (r.first) {  // `bytes` starts the value's storage, of `total` bytes, untouched beyond this range
      r.first = false;
      advise_huge_pages(bytes, r.total);
    }
    if (!pread_all(r.fd, bytes, length, r.offset, r.what, r.path)) {
      corrupted(r.what, r.path.string(), "truncated while being read");
    }
    r.hash.update(bytes, length);
    r.offset += length;
  };
  std::shared_ptr<const void> value = decode_flat(count, FlatFill{&reader, fill});
  if (reader.hash.digest() != layout.checksum) corrupted(what, path.string(), "checksum mismatch");
  return value;
}

StoredObjectHeader read_stored_object_header(const std::filesystem::path& path) {
  MappedObject object(path, "stored object");
  return read_layout(object.bytes(), path.string(), "stored object").header;
}

std::string encode_stored_object(const StoredObjectHeader& header,
                                 const std::function<void(std::ostream&)>& write_payload) {
  std::ostringstream payload_stream;
  payload_stream.exceptions(std::ios::badbit);
  write_payload(payload_stream);
  std::string payload = std::move(payload_stream).str();
  std::string object = prefix_of(header);
  object.reserve(object.size() + payload.size() + kTrailerBytes);
  object += payload;
  object += trailer_of(payload.size(), XXH3_64bits(payload.data(), payload.size()));
  return object;
}

uint64_t write_bytes_file(const std::filesystem::path& target, std::string_view bytes) {
  Fd fd{create_new_file(target)};
  try {
    write_all(fd.fd, bytes.data(), bytes.size(), target);
    if (::fsync(fd.fd) != 0) fail("cannot fsync", target, errno);
    int closing = fd.fd;
    fd.fd = -1;
    if (::close(closing) != 0) fail("cannot close", target, errno);
    return bytes.size();
  } catch (...) {
    ::unlink(target.c_str());
    throw;
  }
}

}  // namespace strata::io
