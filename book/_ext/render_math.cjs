// Renders TeX to MathML Core with Temml, for every formula of a build in one call.
//
// Reads a JSON array of {"tex": string, "display": boolean} from standard input
// and writes a JSON array of the same length to standard output, each item
// either {"mathml": string} or {"error": string}. Called by math_at_build.py.
"use strict";

const temml = require("temml");

function render(item) {
  try {
    const mathml = temml.renderToString(item.tex, {
      displayMode: item.display,
      throwOnError: true,
      // No <annotation> with the TeX source: it would show up as raw TeX in
      // search snippets and copied text; screen readers read the MathML.
      annotate: false,
      trust: false,
    });
    return { mathml };
  } catch (error) {
    return { error: String(error && error.message ? error.message : error) };
  }
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  input += chunk;
});
process.stdin.on("end", () => {
  const items = JSON.parse(input);
  process.stdout.write(JSON.stringify(items.map(render)));
});
