// Builds the page's two static files with esbuild:
//   src/app.js  (+ leaflet, chart.js, topojson-client, world-atlas) -> ../src/corridor/web/static/app.js  (one minified IIFE)
//   leaflet.css + src/app.css                                        -> ../src/corridor/web/static/app.css
// Run: npm ci && npm run build   (from this folder)

import { build } from "esbuild";
import { mkdir, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "..", "src", "corridor", "web", "static");

await mkdir(outDir, { recursive: true });

const common = {
  bundle: true,
  minify: true,
  legalComments: "eof",
  logLevel: "warning",
  target: ["es2020"],
};

await build({
  ...common,
  entryPoints: [join(here, "src", "app.js")],
  outfile: join(outDir, "app.js"),
  format: "iife",
  platform: "browser",
  loader: { ".json": "json" },
  define: { "process.env.NODE_ENV": '"production"' },
});

// The CSS entry is virtual so that leaflet.css is resolved from node_modules.
// Leaflet's few control/marker images are inlined; the page uses none of them.
await build({
  ...common,
  stdin: {
    contents: '@import "leaflet/dist/leaflet.css";\n@import "./src/app.css";\n',
    resolveDir: here,
    loader: "css",
    sourcefile: "app-bundle.css",
  },
  outfile: join(outDir, "app.css"),
  loader: { ".png": "dataurl", ".svg": "dataurl" },
});

for (const name of ["app.js", "app.css"]) {
  const file = join(outDir, name);
  const { size } = await stat(file);
  console.log(`${relative(join(here, ".."), file)}  ${(size / 1024).toFixed(1)} KiB`);
}
