// Strata: the one header a user's program includes to define assets, ops, jobs and resources and
// to run them in-process. Table managers (Arrow, DuckDB) have their own headers. It includes io's
// codec (io/codec.hpp), which the definition of an asset, op or Value of a storable type needs.
#pragma once

#include "strata/core/contexts/build_context.hpp"
#include "strata/core/definitions/asset.hpp"
#include "strata/core/definitions/definitions.hpp"
#include "strata/core/definitions/op.hpp"
#include "strata/core/partitions/partition_loading.hpp"
#include "strata/core/resources/io_manager.hpp"
#include "strata/core/types/system_metadata.hpp"
#include "strata/execution/backfill.hpp"
#include "strata/execution/executor.hpp"
#include "strata/execution/materialize.hpp"
#include "strata/execution/reexecution.hpp"
#include "strata/execution/run_queue_coordinator.hpp"
#include "strata/io/codec.hpp"
#include "strata/io/filesystem_io_manager.hpp"
#include "strata/io/in_memory_io_manager.hpp"
