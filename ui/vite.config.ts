// Vite builds the single-page app; built files go under /static/ so they never collide with the
// app's own routes (/assets/<key> is a page). The CMake build passes --outDir into the build tree.
import { defineConfig } from "vite";

export default defineConfig({
  build: { assetsDir: "static", target: "es2022", sourcemap: false, modulePreload: { polyfill: false } },
});
