// Syntax colour for result snippets: Prism's tokenizer (core plus a dozen grammars, ~60 kB in the
// bundle; no DOM needed, so it runs here on the host) turns a snippet into [start, end, class]
// ranges, which the page renders as text nodes — it never receives markup. The classes are a
// small fixed set the page's CSS maps to theme colours.
import Prism, { type Token } from 'prismjs';
import 'prismjs/components/prism-clike';
import 'prismjs/components/prism-c';
import 'prismjs/components/prism-cpp';
import 'prismjs/components/prism-csharp';
import 'prismjs/components/prism-go';
import 'prismjs/components/prism-java';
import 'prismjs/components/prism-markup-templating';
import 'prismjs/components/prism-php';
import 'prismjs/components/prism-python';
import 'prismjs/components/prism-ruby';
import 'prismjs/components/prism-rust';
import 'prismjs/components/prism-typescript';
import 'prismjs/components/prism-jsx';
import 'prismjs/components/prism-tsx';
import 'prismjs/components/prism-bash';
import 'prismjs/components/prism-json';
import 'prismjs/components/prism-yaml';
import 'prismjs/components/prism-sql';
import 'prismjs/components/prism-kotlin';
import 'prismjs/components/prism-swift';
import 'prismjs/components/prism-markdown';

/** The token classes the page colours (media/search.css: .tok-<class>). */
export const TOKEN_CLASSES = ['keyword', 'string', 'comment', 'number', 'function', 'type', 'operator', 'punctuation', 'constant', 'property', 'tag', 'attr', 'regex', 'variable'] as const;
export type TokenClass = (typeof TOKEN_CLASSES)[number];

/** [start, end) UTF-16 offsets into the snippet and the class of the innermost token there. */
export type SyntaxToken = [number, number, TokenClass];

/** Semindex language id (languages.ts) → Prism grammar name. */
const GRAMMAR: Record<string, string> = {
  typescript: 'typescript', tsx: 'tsx', javascript: 'javascript', python: 'python', go: 'go', rust: 'rust',
  java: 'java', c: 'c', cpp: 'cpp', csharp: 'csharp', ruby: 'ruby', php: 'php', shell: 'bash', json: 'json',
  yaml: 'yaml', sql: 'sql', kotlin: 'kotlin', swift: 'swift', markdown: 'markdown', html: 'markup', xml: 'markup',
  css: 'css', scss: 'css', less: 'css', vue: 'markup', svelte: 'markup',
};

/** Prism's token types (and aliases) → our classes; unknown types take their parent's colour. */
const CLASS_OF: Record<string, TokenClass> = {
  keyword: 'keyword', boolean: 'constant', important: 'keyword', atrule: 'keyword', directive: 'keyword', 'control-flow': 'keyword', module: 'keyword',
  string: 'string', char: 'string', 'template-string': 'string', 'string-interpolation': 'string', 'triple-quoted-string': 'string', url: 'string', attrvalue: 'string', 'attr-value': 'string',
  comment: 'comment', prolog: 'comment', doctype: 'comment', cdata: 'comment', docstring: 'comment',
  number: 'number',
  function: 'function', 'function-definition': 'function', method: 'function', macro: 'function',
  'class-name': 'type', builtin: 'type', namespace: 'type', 'type-annotation': 'type', 'generic-function': 'function',
  operator: 'operator', arrow: 'operator',
  punctuation: 'punctuation',
  constant: 'constant', symbol: 'constant', null: 'constant', nil: 'constant',
  property: 'property', key: 'property', 'property-access': 'property',
  tag: 'tag', selector: 'tag', title: 'tag',
  'attr-name': 'attr', decorator: 'attr', annotation: 'attr', attribute: 'attr',
  regex: 'regex',
  variable: 'variable', parameter: 'variable', interpolation: 'variable',
};

function classOf(type: string, alias: string | string[] | undefined): TokenClass | undefined {
  for (const a of [type, ...(Array.isArray(alias) ? alias : alias ? [alias] : [])]) if (CLASS_OF[a]) return CLASS_OF[a];
  return undefined;
}

/** Syntax tokens of a snippet in a language, sorted, never overlapping; [] when no grammar fits or the text is too long. */
export function syntaxTokens(text: string, language: string, maxLength = 8_000): SyntaxToken[] {
  const grammar = Prism.languages[GRAMMAR[language] ?? ''];
  if (!grammar || !text || text.length > maxLength) return [];
  const out: SyntaxToken[] = [];
  let at = 0;
  const walk = (stream: string | Token | (string | Token)[], inherited: TokenClass | undefined): void => {
    if (typeof stream === 'string') {
      if (inherited && stream.length) {
        const last = out[out.length - 1];
        // Neighbours of one class (a string's quotes and body) are one range.
        if (last && last[1] === at && last[2] === inherited) last[1] = at + stream.length;
        else out.push([at, at + stream.length, inherited]);
      }
      at += stream.length;
      return;
    }
    if (Array.isArray(stream)) {
      for (const s of stream) walk(s, inherited);
      return;
    }
    walk(stream.content, classOf(stream.type, stream.alias) ?? inherited);
  };
  try {
    walk(Prism.tokenize(text, grammar), undefined);
  } catch {
    return []; // a grammar that chokes on odd input: plain text rather than a failed search
  }
  return out;
}
