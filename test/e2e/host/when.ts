// A small evaluator of VS Code `when` clauses — enough for the ones package.json uses (&&, ||, !,
// ==, !=, bare keys, quoted or bare values) — so the host tests can check which palette commands a
// set of context keys shows. VS Code has no API to ask it; an unknown construct throws, so a
// clause this cannot read fails the test instead of passing unchecked.
export type ContextKeys = Record<string, unknown>;

export function evaluateWhen(clause: string, keys: ContextKeys): boolean {
  return clause.split('||').some((alt) => alt.split('&&').every((term) => evaluateTerm(term.trim(), keys)));
}

function evaluateTerm(term: string, keys: ContextKeys): boolean {
  const cmp = /^([\w.]+)\s*(==|!=)\s*(?:'([^']*)'|"([^"]*)"|([\w.-]+))$/.exec(term);
  if (cmp) {
    const [, key, op, q1, q2, bare] = cmp;
    const value = q1 ?? q2 ?? bare;
    const actual = keys[key];
    const equal = actual !== undefined && String(actual) === value;
    return op === '==' ? equal : !equal;
  }
  const key = /^(!?)([\w.]+)$/.exec(term);
  if (!key) throw new Error(`when clause term not understood: "${term}"`);
  const truthy = !!keys[key[2]];
  return key[1] ? !truthy : truthy;
}
