// Builds the workbench and GraphiQL into the Python package (src/creditgraph/web/static),
// and records the hash of the sources it was built from: a test recomputes the hash and
// fails when the committed build is older than its sources.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "src", "creditgraph", "web", "static");

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

// Kept in step with creditgraph.web.assets.source_hash (Python).
export function sourceHash() {
  const files = ["package.json", "package-lock.json", "build.mjs", ...walk(join(here, "src")).map((f) => relative(here, f))]
    .map((f) => f.split(sep).join("/")).sort();
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(file); hash.update("\0");
    hash.update(readFileSync(join(here, file))); hash.update("\0");
  }
  return hash.digest("hex");
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const common = { bundle: true, minify: true, sourcemap: false, target: ["es2020"], legalComments: "none",
  define: { "process.env.NODE_ENV": '"production"' }, logLevel: "info", loader: { ".woff2": "dataurl", ".woff": "dataurl", ".ttf": "dataurl" } };
await build({ ...common, entryPoints: { workbench: join(here, "src/workbench/main.js") }, outdir: out, format: "iife" });
await build({ ...common, entryPoints: { graphiql: join(here, "src/graphiql/main.jsx") }, outdir: out, format: "iife", jsx: "transform" });
copyFileSync(join(here, "src/index.html"), join(out, "index.html"));
copyFileSync(join(here, "src/graphiql.html"), join(out, "graphiql.html"));
writeFileSync(join(out, "SOURCE_HASH"), sourceHash() + "\n");
console.log(`built into ${out}`);
