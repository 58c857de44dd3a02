#include "bar_chart.hpp"

#include <ft2build.h>
#include FT_FREETYPE_H
#include <png.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace hackernews {
namespace {

struct Rgb {
  uint8_t r, g, b;
};

constexpr Rgb kWhite{255, 255, 255};
constexpr Rgb kInk{34, 34, 34};
constexpr Rgb kBarColor{31, 119, 180};  // the usual first color of plotting libraries
constexpr Rgb kGrid{225, 225, 225};

class Canvas {
 public:
  Canvas(int width, int height) : width_(width), height_(height), pixels_(static_cast<size_t>(width * height) * 3) {
    fill_rect(0, 0, width, height, kWhite);
  }
  int width() const { return width_; }
  int height() const { return height_; }

  // Blends `color` over the pixel with coverage `alpha` (0..255).
  void blend(int x, int y, Rgb color, int alpha = 255) {
    if (x < 0 || y < 0 || x >= width_ || y >= height_ || alpha <= 0) return;
    uint8_t* p = &pixels_[(static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)) * 3];
    auto mix = [alpha](uint8_t under, uint8_t over) {
      return static_cast<uint8_t>((under * (255 - alpha) + over * alpha + 127) / 255);
    };
    p[0] = mix(p[0], color.r);
    p[1] = mix(p[1], color.g);
    p[2] = mix(p[2], color.b);
  }
  void fill_rect(int x0, int y0, int x1, int y1, Rgb color) {
    for (int y = std::max(0, y0); y < std::min(height_, y1); ++y) {
      for (int x = std::max(0, x0); x < std::min(width_, x1); ++x) blend(x, y, color);
    }
  }
  const std::vector<uint8_t>& pixels() const { return pixels_; }

 private:
  int width_, height_;
  std::vector<uint8_t> pixels_;
};

// UTF-8 to code points (malformed bytes become U+FFFD).
std::vector<char32_t> code_points(const std::string& text) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
    if (extra < 0 || i + static_cast<size_t>(extra) >= text.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t cp = extra == 0 ? c : (c & (0x3F >> extra));
    for (int k = 1; k <= extra; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + static_cast<size_t>(k)]) & 0x3F);
    out.push_back(cp);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

// Text drawn with FreeType; without a usable font every call draws nothing.
class TextPainter {
 public:
  explicit TextPainter(const std::string& font_path) {
    if (FT_Init_FreeType(&library_) != 0) return;
    if (FT_New_Face(library_, font_path.c_str(), 0, &face_) != 0) face_ = nullptr;
  }
  ~TextPainter() {
    if (face_) FT_Done_Face(face_);
    if (library_) FT_Done_FreeType(library_);
  }
  TextPainter(const TextPainter&) = delete;
  TextPainter& operator=(const TextPainter&) = delete;

  bool usable() const { return face_ != nullptr; }

  // Horizontal advance of `text` in pixels at `size`.
  double width(const std::string& text, int size) {
    if (!face_) return 0;
    FT_Set_Pixel_Sizes(face_, 0, static_cast<FT_UInt>(size));
    FT_Set_Transform(face_, nullptr, nullptr);
    double advance = 0;
    for (char32_t cp : code_points(text)) {
      if (FT_Load_Char(face_, cp, FT_LOAD_DEFAULT) == 0) advance += static_cast<double>(face_->glyph->advance.x) / 64.0;
    }
    return advance;
  }

  // Draws `text` with its baseline starting at (x, y) in image coordinates, turned `degrees`
  // counter-clockwise.
  void draw(Canvas& canvas, const std::string& text, double x, double y, int size, double degrees, Rgb color) {
    if (!face_) return;
    FT_Set_Pixel_Sizes(face_, 0, static_cast<FT_UInt>(size));
    double radians = degrees * M_PI / 180.0;
    FT_Matrix matrix{
        static_cast<FT_Fixed>(std::cos(radians) * 0x10000), static_cast<FT_Fixed>(-std::sin(radians) * 0x10000),
        static_cast<FT_Fixed>(std::sin(radians) * 0x10000), static_cast<FT_Fixed>(std::cos(radians) * 0x10000)};
    // FreeType's y axis points up: pen positions are (x, height - y) in 26.6 fixed point.
    FT_Vector pen{static_cast<FT_Pos>(x * 64), static_cast<FT_Pos>((canvas.height() - y) * 64)};
    for (char32_t cp : code_points(text)) {
      FT_Set_Transform(face_, &matrix, &pen);
      if (FT_Load_Char(face_, cp, FT_LOAD_RENDER) != 0) continue;
      const FT_GlyphSlot glyph = face_->glyph;
      const FT_Bitmap& bitmap = glyph->bitmap;
      int left = glyph->bitmap_left;
      int top = canvas.height() - glyph->bitmap_top;
      for (unsigned row = 0; row < bitmap.rows; ++row) {
        for (unsigned col = 0; col < bitmap.width; ++col) {
          int alpha = bitmap.buffer[row * static_cast<unsigned>(bitmap.pitch) + col];
          canvas.blend(left + static_cast<int>(col), top + static_cast<int>(row), color, alpha);
        }
      }
      pen.x += glyph->advance.x;
      pen.y += glyph->advance.y;
    }
  }

 private:
  FT_Library library_ = nullptr;
  FT_Face face_ = nullptr;
};

// A round tick step giving about `ticks` ticks up to `max`: 1, 2 or 5 times a power of ten.
double nice_step(double max, int ticks) {
  double raw = std::max(max, 1.0) / ticks;
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= factor * magnitude) return std::max(1.0, factor * magnitude);
  }
  return std::max(1.0, 10.0 * magnitude);
}

std::string encode_png(const Canvas& canvas) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(canvas.width());
  image.height = static_cast<png_uint_32>(canvas.height());
  image.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  const void* pixels = canvas.pixels().data();
  if (!png_image_write_to_memory(&image, nullptr, &size, 0, pixels, 0, nullptr)) {
    throw std::runtime_error(std::string("PNG encoding failed: ") + image.message);
  }
  std::string png(size, '\0');
  if (!png_image_write_to_memory(&image, png.data(), &size, 0, pixels, 0, nullptr)) {
    throw std::runtime_error(std::string("PNG encoding failed: ") + image.message);
  }
  png.resize(size);
  return png;
}

}  // namespace

Chart draw_bar_chart(const std::vector<Bar>& bars, const ChartOptions& options) {
  Canvas canvas(options.width, options.height);
  TextPainter text(options.font_path);
  const int left = 70, right = options.width - 20, top = 50, bottom = options.height - 140;

  int64_t max_value = 0;
  for (const auto& bar : bars) max_value = std::max(max_value, bar.value);
  double step = nice_step(static_cast<double>(max_value), 5);
  double y_max = std::max(step, std::ceil(static_cast<double>(max_value) / step) * step);
  auto y_of = [&](double value) { return bottom - (value / y_max) * (bottom - top); };

  // Grid lines and y tick labels.
  for (double tick = 0; tick <= y_max + 1e-9; tick += step) {
    int y = static_cast<int>(std::lround(y_of(tick)));
    if (tick > 0) canvas.fill_rect(left, y, right, y + 1, kGrid);
    canvas.fill_rect(left - 5, y, left, y + 1, kInk);
    std::string label = std::to_string(static_cast<int64_t>(tick));
    text.draw(canvas, label, left - 8 - text.width(label, 12), y + 4, 12, 0, kInk);
  }

  // Bars, with their labels rotated 45° so that each label ends under its bar.
  if (!bars.empty()) {
    double slot = static_cast<double>(right - left) / static_cast<double>(bars.size());
    for (size_t i = 0; i < bars.size(); ++i) {
      double center = left + slot * (static_cast<double>(i) + 0.5);
      int x0 = static_cast<int>(std::lround(center - slot * 0.4));
      int x1 = static_cast<int>(std::lround(center + slot * 0.4));
      canvas.fill_rect(x0, static_cast<int>(std::lround(y_of(static_cast<double>(bars[i].value)))), x1, bottom,
                       kBarColor);
      double width = text.width(bars[i].label, 12);
      double d = width / std::sqrt(2.0);
      text.draw(canvas, bars[i].label, center - d + 4, bottom + 12 + d, 12, 45, kInk);
    }
  }

  // Axes and title.
  canvas.fill_rect(left, top, left + 1, bottom + 1, kInk);
  canvas.fill_rect(left, bottom, right, bottom + 1, kInk);
  if (!options.title.empty()) {
    text.draw(canvas, options.title, (options.width - text.width(options.title, 18)) / 2.0, 32, 18, 0, kInk);
  }
  return Chart{encode_png(canvas), text.usable()};
}

std::string base64_encode(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                 static_cast<uint8_t>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 0x3F];
  }
  if (i < bytes.size()) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 0x3F];
    out += kAlphabet[(n >> 12) & 0x3F];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 0x3F] : '=';
    out += '=';
  }
  return out;
}

}  // namespace hackernews
