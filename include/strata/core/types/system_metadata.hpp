// Metadata keys Strata records on every materialization without user code.
#pragma once

namespace strata {

// Milliseconds from the start of the step to the moment the output was stored.
inline constexpr const char* kMetadataDuration = "strata/duration_ms";
// Bytes the I/O manager wrote for the output, where it knows them.
inline constexpr const char* kMetadataBytesWritten = "strata/bytes_written";

// The absolute local path a staged output is published to (core/resources/staged_files.hpp). Recorded by managers that
// stage local files, so that a run that died between recording the materialization and publishing
// the file can be completed when it is reaped.
inline constexpr const char* kMetadataPublishedPath = "strata/published_path";

}  // namespace strata
