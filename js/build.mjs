// Bundles each widget view (and its CSS) into ../inductiva_widgets/static/.
// Everything is bundled: the views fetch nothing from the network at run time.
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(here, "../inductiva_widgets/static");
const views = ["storage_browser", "transfer_queue", "zip_explorer", "gather_view"];

const options = {
  entryPoints: views.flatMap((v) => [`src/${v}.js`]).concat(["src/styles.css"]),
  absWorkingDir: here,
  outdir,
  bundle: true,
  format: "esm",
  target: ["es2020"],
  minify: !process.argv.includes("--watch"),
  sourcemap: process.argv.includes("--watch") ? "inline" : false,
  logLevel: "info",
};

if (process.argv.includes("--watch")) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log(`watching js/src, writing ${outdir}`);
} else {
  await esbuild.build(options);
}
