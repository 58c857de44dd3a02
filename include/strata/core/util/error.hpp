// The exceptions Strata throws. Every message names the thing at fault (asset key, field, path,
// partition) so that a user can act on it without reading Strata's code.
#pragma once

#include <stdexcept>
#include <string>

namespace strata {

// Base of every Strata error. code() is stable across versions (events, the command line and the
// web API carry it; scripts may match on it), unlike the class name.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  virtual const char* code() const noexcept { return "error"; }
};

// Definitions that cannot run: duplicate or unknown keys, cycles, type mismatches, missing resources.
class DefinitionError : public Error {
 public:
  using Error::Error;
  const char* code() const noexcept override { return "definition_error"; }
};

// Resource or run configuration that does not fit: unknown field, wrong type, unset environment variable.
class ConfigError : public Error {
 public:
  using Error::Error;
  const char* code() const noexcept override { return "config_error"; }
};

// A stored object that cannot be read or written: missing, corrupted, wrong type, bad path.
class StorageError : public Error {
 public:
  using Error::Error;
  const char* code() const noexcept override { return "storage_error"; }
};

// A stored object that does not exist (never materialized, or wiped).
class MissingDataError : public StorageError {
 public:
  using StorageError::StorageError;
  const char* code() const noexcept override { return "missing_data"; }
};

// A value of one C++ type asked for as another.
class TypeMismatchError : public Error {
 public:
  using Error::Error;
  const char* code() const noexcept override { return "type_mismatch"; }
};

// A partition key that is missing, unknown or malformed (filled in by the partitions work).
class PartitionError : public Error {
 public:
  using Error::Error;
  const char* code() const noexcept override { return "partition_error"; }
};

// The run was canceled: thrown by ExecutionContext::check_canceled() so a step stops where it is,
// and by Strata when a step yields an output after the run was canceled (nothing new is stored).
class CanceledError : public Error {
 public:
  using Error::Error;
  const char* code() const noexcept override { return "canceled"; }
};

}  // namespace strata
