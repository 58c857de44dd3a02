// Built only by storable_compile_errors.cmake, once as is and once per mistake it can contain.
#ifdef CORE_ONLY
#include "strata/core/definitions/asset.hpp"
#else
#include "strata/strata.hpp"
#endif

#include <string>
#include <vector>

namespace example {

struct Point {
  double x;
  double y;
  std::string label;
};
STRATA_SERIALIZABLE(Point, x, y, label)

#ifdef UNSTORABLE_FIELD
struct Opaque {
  int handle;
};
struct Shape {
  std::vector<Point> points;
  Opaque owner;
};
STRATA_SERIALIZABLE(Shape, points, owner)
inline auto shape = strata::asset("shape", [] { return Shape{}; });
#endif

inline auto points = strata::asset("points", [] { return std::vector<Point>{{1, 2, "a"}}; });

}  // namespace example
