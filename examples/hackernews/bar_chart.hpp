// A bar chart drawn by the example itself: bars on a white canvas, a y axis with ticks, labels
// under the bars rotated 45°, and a title — rendered with FreeType (DejaVu Sans) into an RGB
// raster and encoded as PNG with libpng. The seed draws the same chart with matplotlib.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hackernews {

struct Bar {
  std::string label;
  int64_t value = 0;
};

struct ChartOptions {
  int width = 1000;  // pixels; the seed's figsize=(10, 6) at 100 dpi
  int height = 600;
  std::string title{};
  // TrueType font for labels; when it cannot be loaded the chart is drawn without text.
  std::string font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
};

struct Chart {
  std::string png;        // the encoded image
  bool has_text = false;  // false when the font could not be loaded
};

// Throws std::runtime_error when the image cannot be encoded.
Chart draw_bar_chart(const std::vector<Bar>& bars, const ChartOptions& options);

std::string base64_encode(const std::string& bytes);

}  // namespace hackernews
