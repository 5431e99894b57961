// Packages the training harvest must never read, by name. Two reasons:
// - held-out evaluation: the Python, Go and Rust standard libraries and everything that copies or
//   backports them (a model trained on them would be graded on what it memorised);
// - the development sets (lodash, moby, Django) and packages that vendor or reimplement them with
//   their documentation — tuning is done on those sets, so they are never training data.
// Their sources may only serve as a hash deny-list (harvest.ts `hashes`), never as pairs.

interface Rule {
  pattern: RegExp;
  why: string;
}

const HELD_OUT = 'held out for evaluation (a standard library or a copy of one)';
const DEV_SET = 'a development set, or a package that vendors or reimplements one';

const RULES: readonly Rule[] = [
  { pattern: /^(?:rust-src|rustc|rustc-.*|libstd-rust-.*|cargo-doc|rust-doc)$/, why: HELD_OUT },
  { pattern: /^golang-1\.[0-9.]+(?:-.*)?$|^golang-(?:go|src|doc)$|^golang-golang-x-.*$/, why: HELD_OUT },
  {
    pattern:
      /^(?:lib)?python3\.[0-9]+(?:-.*)?$|^pypy.*$|^python3-(?:stdlib-extensions|distutils|lib2to3|typing-extensions|mock|importlib-metadata|importlib-resources|zipp|exceptiongroup|future|backports.*|tk|gdbm|venv|dev|minimal|all.*)$|^libpython3.*$|^python3$/,
    why: HELD_OUT,
  },
  { pattern: /^golang-github-docker-.*$|^docker\.io$|^moby.*$/, why: DEV_SET },
  { pattern: /^python3-django.*$|^python-django.*$/, why: DEV_SET },
  { pattern: /^(?:npm:)?(?:lodash(?:[.-].*)?|lodash-es|es-toolkit|underscore(?:[.-].*)?|node-lodash|libjs-lodash|libjs-underscore|node-underscore)$/, why: DEV_SET },
];

/** Why a package (a Debian name, or `npm:<name>` for npm) must not be read, or null when it may. */
export function reservedReason(name: string): string | null {
  for (const rule of RULES) if (rule.pattern.test(name)) return rule.why;
  return null;
}
