// The three rules both baselines run: eval, the Function constructor, string timers.
module.exports = [
  {
    files: ["**/*.js"],
    languageOptions: { ecmaVersion: "latest", sourceType: "script" },
    linterOptions: { reportUnusedDisableDirectives: "off" },
    rules: { "no-eval": "error", "no-new-func": "error", "no-implied-eval": "error" },
  },
];
