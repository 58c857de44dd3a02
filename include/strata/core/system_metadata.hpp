// Metadata keys Strata records on every materialization without user code.
#pragma once

namespace strata {

// Milliseconds from the start of the step to the moment the output was stored.
inline constexpr const char* kMetadataDuration = "strata/duration_ms";
// Bytes the I/O manager wrote for the output, where it knows them.
inline constexpr const char* kMetadataBytesWritten = "strata/bytes_written";

}  // namespace strata
