// Lint rules for the UI: typescript-eslint's recommended type-aware set, plus a ban on the DOM
// sinks that would parse data as HTML (the UI builds every node with textContent/attributes).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const htmlSinks = ["innerHTML", "outerHTML"].map((property) => ({
  selector: `AssignmentExpression > MemberExpression.left[property.name='${property}']`,
  message: `${property} parses HTML: build nodes with el()/text() instead`,
}));

export default tseslint.config(
  { ignores: ["dist/", "node_modules/"] },
  js.configs.recommended,
  {
    files: ["src/**/*.ts"],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "no-restricted-syntax": [
        "error",
        ...htmlSinks,
        { selector: "CallExpression[callee.property.name='insertAdjacentHTML']", message: "parses HTML" },
        {
          selector: "CallExpression[callee.property.name='write'][callee.object.name='document']",
          message: "parses HTML",
        },
      ],
      "@typescript-eslint/no-floating-promises": "off",
    },
  },
  {
    files: ["tests/**/*.mjs", "scripts/**/*.mjs", "*.js"],
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        URL: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        Buffer: "readonly",
        performance: "readonly",
        fetch: "readonly",
        document: "readonly",
        window: "readonly",
        getComputedStyle: "readonly",
        requestAnimationFrame: "readonly",
      },
    },
  },
);
