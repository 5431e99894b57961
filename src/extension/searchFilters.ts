// The search panel's filters as VS Code's Search view reads them: "files to include" and "files
// to exclude" are comma-separated globs relative to the workspace folder, where a pattern without
// a leading `./` or `**/` matches at any depth and a folder matches everything under it
// (`src` → `**/src`, `**/src/**`; `./src` → `src`, `src/**`). The engine takes one glob each.
import type { SearchOptions } from '../indexer/search';

export interface SearchFilters {
  /** "files to include", as typed. */
  include?: string;
  /** "files to exclude", as typed. */
  exclude?: string;
  /** A language id ("typescript"), or empty for every language. */
  language?: string;
}

// One brace glob for a comma-separated list of Search-view patterns, or undefined when there are
// none. "At any depth" is spelled as two alternatives, `p` and `**/p`: inside braces picomatch
// reads a leading `**/` as "one folder or more", never none.
export function searchGlob(input: string | undefined): string | undefined {
  const alternatives: string[] = [];
  for (const raw of (input ?? '').split(',')) {
    let p = raw.trim().replace(/\\/g, '/');
    const anchored = p.startsWith('./') || p.startsWith('/');
    p = p.replace(/^\.?\/+/, '').replace(/^(\*\*\/)+/, '').replace(/\/+$/, '');
    if (!p || p === '**') {
      if (raw.trim()) alternatives.push('**');
      continue;
    }
    const under = p.endsWith('/**') ? [p] : [p, `${p}/**`];
    alternatives.push(...under, ...(anchored ? [] : under.map((q) => `**/${q}`)));
  }
  const unique = [...new Set(alternatives)];
  if (!unique.length) return undefined;
  // A lone alternative goes bare: `{a}` would be literal.
  return unique.length === 1 ? unique[0] : `{${unique.join(',')}}`;
}

/** The engine's options for the panel's filters. */
export function engineFilters(f: SearchFilters): Pick<SearchOptions, 'path' | 'exclude' | 'language'> {
  return { path: searchGlob(f.include), exclude: searchGlob(f.exclude), language: f.language?.trim() || undefined };
}
