// ESLint (flat config), run by `npm test` and so by CI (`make test`).
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["src/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.browser },
    rules: {
      // The bound: a view file that grows past this gets split into components.
      "max-lines": ["error", { max: 400 }],
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "all" }],
      "prefer-const": "error",
      "no-var": "error",
      eqeqeq: ["error", "always"],
      "no-shadow": "error",
      "no-implicit-globals": "error",
      "no-restricted-syntax": ["error", {
        // Listeners go through a Scope (lifecycle.js), which removes them at teardown.
        selector: "CallExpression[callee.property.name='addEventListener']",
        message: "use scope.listen() / scope.h() so the listener is removed at teardown",
      }],
    },
  },
  {
    files: ["src/lifecycle.js"],
    rules: { "no-restricted-syntax": "off" }, // the one place that calls addEventListener
  },
  {
    files: ["test/**/*.js", "build.mjs", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
    rules: { "no-unused-vars": ["error", { args: "after-used" }], "prefer-const": "error", eqeqeq: ["error", "always"] },
  },
];
