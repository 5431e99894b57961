// Search filters as LanceDB predicates: a search narrowed to a folder or a language takes its
// candidates from the matching rows only (the vector and BM25 queries prefilter on them), instead
// of taking the whole index's best and dropping what does not match. SQL's LIKE cannot say "any
// name but no slash" (a glob's `*`), so a glob becomes a LIKE that matches a superset of its paths
// — `*` and `**` as `%`, `?` as `_` — and search.ts still checks each candidate with picomatch, the
// exact glob. Hand-written rather than a glob-to-SQL library: none is in the package lists, and
// this is the one shape the store needs.
import { sqlString } from './store';

/** The alternatives of a glob with one outer brace list (`{a,b/**}` → a, b/**), else the glob itself. */
function alternatives(glob: string): string[] {
  if (!glob.startsWith('{') || !glob.endsWith('}')) return [glob];
  const inner = glob.slice(1, -1);
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  out.push(inner.slice(start));
  return out;
}

/** A LIKE pattern matching every path the glob matches (and maybe more), or undefined if the glob is not that simple. */
function likeOf(glob: string): string | undefined {
  // Braces inside, classes, extglobs and negation: no superset this simple; filtered after fetching instead.
  if (/[{}[\]()!+@]/.test(glob) || glob.includes('\\')) return undefined;
  let like = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      let stars = 1;
      while (glob[i + 1] === '*') {
        i++;
        stars++;
      }
      like += '%';
      // `**/` also matches no folder at all (`**/x` matches `x`): the slash goes into the `%`.
      if (stars > 1 && glob[i + 1] === '/') i++;
    } else if (c === '?') like += '_';
    else if (c === '%' || c === '_') like += `\\${c}`;
    else like += c;
  }
  return like.replace(/%+/g, '%');
}

/**
 * The LanceDB predicate for a path glob (matched, as results show paths, against `root/path` or
 * the path inside its root) and a language id, or undefined when neither narrows the rows.
 */
export function storePredicate(opts: { path?: string; language?: string }): string | undefined {
  const parts: string[] = [];
  const glob = opts.path?.trim();
  if (glob) {
    const likes = alternatives(glob).map(likeOf);
    if (likes.length && likes.every((l) => l !== undefined)) {
      const any = likes.flatMap((l) => [`path LIKE ${sqlString(l!)}`, `concat(root, '/', path) LIKE ${sqlString(l!)}`]);
      parts.push(`(${any.join(' OR ')})`);
    }
  }
  const language = opts.language?.trim().toLowerCase();
  if (language) parts.push(`language = ${sqlString(language)}`);
  return parts.length ? parts.join(' AND ') : undefined;
}
