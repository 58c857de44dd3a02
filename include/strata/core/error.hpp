// The exceptions Strata throws. Every message names the thing at fault (asset key, field, path,
// partition) so that a user can act on it without reading Strata's code.
#pragma once

#include <stdexcept>
#include <string>

namespace strata {

// Base of every Strata error.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Definitions that cannot run: duplicate or unknown keys, cycles, type mismatches, missing resources.
class DefinitionError : public Error {
 public:
  using Error::Error;
};

// Resource or run configuration that does not fit: unknown field, wrong type, unset environment variable.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A stored object that cannot be read or written: missing, corrupted, wrong type, bad path.
class StorageError : public Error {
 public:
  using Error::Error;
};

// A stored object that does not exist (never materialized, or wiped).
class MissingDataError : public StorageError {
 public:
  using StorageError::StorageError;
};

// A value of one C++ type asked for as another.
class TypeMismatchError : public Error {
 public:
  using Error::Error;
};

// A partition key that is missing, unknown or malformed (filled in by the partitions work).
class PartitionError : public Error {
 public:
  using Error::Error;
};

// The run was canceled: thrown by ExecutionContext::check_canceled() so a step stops where it is,
// and by Strata when a step yields an output after the run was canceled (nothing new is stored).
class CanceledError : public Error {
 public:
  using Error::Error;
};

}  // namespace strata
