// Which language a file is, which tree-sitter grammar parses it, and — per grammar — which
// syntax nodes are definitions worth a chunk of their own. The chunking algorithm itself
// (ranges, splitting, windows) lives in chunk.ts and knows nothing about node types.
import type { Node } from 'web-tree-sitter';
import type { ChunkKind } from './types';

const EXTENSIONS: Record<string, string> = {
  ts: 'typescript', mts: 'typescript', cts: 'typescript',
  tsx: 'tsx',
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascript',
  py: 'python', pyi: 'python',
  go: 'go',
  rs: 'rust',
  java: 'java',
  c: 'c', h: 'c',
  cc: 'cpp', cpp: 'cpp', cxx: 'cpp', 'c++': 'cpp', hpp: 'cpp', hh: 'cpp', hxx: 'cpp', 'h++': 'cpp',
  cs: 'csharp',
  rb: 'ruby',
  php: 'php',
  // No grammar shipped for these: line windows only, but the language id is still useful.
  md: 'markdown', markdown: 'markdown', mdx: 'markdown',
  json: 'json', jsonc: 'json', yaml: 'yaml', yml: 'yaml', toml: 'toml', xml: 'xml',
  html: 'html', htm: 'html', css: 'css', scss: 'scss', less: 'less',
  sh: 'shell', bash: 'shell', zsh: 'shell', sql: 'sql',
  kt: 'kotlin', kts: 'kotlin', swift: 'swift', scala: 'scala', lua: 'lua', dart: 'dart',
  vue: 'vue', svelte: 'svelte',
};

/** Language id from the file name: "typescript", "python", … or "text" when the extension is unknown. */
export function languageOf(relPath: string): string {
  const slash = relPath.lastIndexOf('/');
  const dot = relPath.lastIndexOf('.');
  if (dot <= slash + 1) return 'text'; // no extension, or a dot file such as ".bashrc"
  return EXTENSIONS[relPath.slice(dot + 1).toLowerCase()] ?? 'text';
}

/** Every language id languageOf gives, sorted ("text" last: files of no known kind). */
export const LANGUAGE_IDS: readonly string[] = [...[...new Set(Object.values(EXTENSIONS))].sort(), 'text'];

/** Language id → grammar file stem in tree-sitter-wasms (tree-sitter-<stem>.wasm). */
const GRAMMARS: Record<string, string> = {
  typescript: 'typescript',
  tsx: 'tsx',
  javascript: 'javascript',
  python: 'python',
  go: 'go',
  rust: 'rust',
  java: 'java',
  c: 'c',
  cpp: 'cpp',
  csharp: 'c_sharp',
  ruby: 'ruby',
  php: 'php',
};

/** The grammar wasm file for a language (e.g. "tree-sitter-c_sharp.wasm"), or undefined when none is shipped. */
export function grammarFileOf(language: string): string | undefined {
  const stem = GRAMMARS[language];
  return stem ? `tree-sitter-${stem}.wasm` : undefined;
}

/** Every grammar file the chunker may load; the build copies these into dist/grammars/. */
export const GRAMMAR_FILES: readonly string[] = Object.values(GRAMMARS).map((stem) => `tree-sitter-${stem}.wasm`);

/** A node that deserves its own chunk. */
export interface Definition {
  kind: ChunkKind;
  /** Unqualified name; the chunker prefixes the enclosing type. Nameless ones (anonymous `enum {…}`, broken code) are left to windows. */
  name: string;
  /** Node whose children hold members / nested definitions, scanned when the definition is split. */
  scope: Node | null;
  /** Only a definition when a doc comment (`/**`, `///`) sits right above it: JS `var x = createX(…)`, C typedefs. */
  weak?: boolean;
}

/** A node that is no chunk itself but whose children are scanned for definitions (JS object literals, Go `type (…)` groups). */
export interface PassThrough {
  through: Node;
  /** Qualifier for the definitions inside (`helpers` for `const helpers = { double() {} }`); functions in a qualified object are methods. */
  prefix: string;
}

export type Classified = Definition | PassThrough | null;

/** Classifies one node; `type` is node.type, passed in because reading it costs a call into wasm. */
export type Classify = (node: Node, type: string) => Classified;

/**
 * Nodes always scanned through when met: bodies and preprocessor/linkage blocks whose children
 * are the real declarations (and ERROR nodes, so broken code still yields definitions). Other
 * nodes are only scanned when they are big (see chunk.ts).
 */
export const TRANSPARENT: ReadonlySet<string> = new Set([
  'ERROR',
  'block', 'statement_block', 'compound_statement', 'body_statement', 'constructor_body',
  'class_body', 'interface_body', 'enum_body', 'enum_body_declarations', 'declaration_list', 'field_declaration_list',
  'linkage_specification', 'preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef',
  'singleton_class',
]);

/** Comments and decorators/attributes that belong to the definition right below them. */
export const LEADING: ReadonlySet<string> = new Set(['comment', 'line_comment', 'block_comment', 'decorator', 'attribute_item']);

const def = (kind: ChunkKind, name: string, scope: Node | null, weak?: boolean): Definition => ({ kind, name, scope, weak });
const nameOf = (node: Node, field = 'name'): string => node.childForFieldName(field)?.text ?? '';
/** `Foo::Bar` → `Foo.Bar`, so every language qualifies with dots. */
const dotted = (name: string): string => name.replaceAll('::', '.');
/** Drops generic arguments: `Foo<T>` / `Foo[T]` → `Foo`. */
const bare = (type: string): string => {
  const cut = type.search(/[<[]/);
  return cut < 0 ? type : type.slice(0, cut);
};
const unquote = (name: string): string => name.replace(/^['"`]|['"`]$/g, '');

// ---------------------------------------------------------------------------------------------
// JavaScript / TypeScript / TSX

const JS_FUNCTIONS = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);

/**
 * What `<target> = value` defines: functions and classes, object literals to look into, `createX(fn)`
 * factories. The target's name costs wasm calls, so it is asked for only once the value qualifies;
 * it is null for no plain name (destructuring). `anonymous` names unnamed values (`export default function () {}`).
 */
function jsValue(value: Node | null, target: () => string | null, anonymous = ''): Classified {
  if (!value) return null;
  const type = value.type;
  if (!(JS_FUNCTIONS.has(type) || type === 'class' || type === 'object' || type === 'call_expression')) return null;
  const name = target();
  if (name === null) return null;
  if (type === 'object') return { through: value, prefix: name };
  if (type === 'call_expression') {
    // `var camelCase = createCompounder(function …)` is a function in all but syntax; so is
    // `var toUpper = createCaseFirst('toUpperCase')` when documented like one (lodash style).
    // The callback is the first or last argument in practice; looking at those two only keeps
    // calls with long argument lists cheap.
    const args = value.childForFieldName('arguments');
    const first = args?.firstNamedChild?.type;
    const last = args?.lastNamedChild?.type;
    const takesFunction = (first !== undefined && JS_FUNCTIONS.has(first)) || (last !== undefined && JS_FUNCTIONS.has(last));
    if (takesFunction) return def('function', name || anonymous, value);
    // A capitalised callee builds a value, not a function: `var reApos = RegExp(…)`, `Object.freeze(…)`.
    const callee = value.childForFieldName('function');
    const valueBuilder = (callee?.type === 'identifier' || callee?.type === 'member_expression') && /^[A-Z]/.test(callee.text);
    return valueBuilder ? null : def('function', name || anonymous, value, true);
  }
  return def(type === 'class' ? 'class' : 'function', name || nameOf(value) || anonymous, value);
}

/** `Foo.prototype.bar` → `Foo.bar`; `module.exports.x` / `exports.x` / `this.x` → `x`; `module.exports` → "". */
function jsAssignedName(left: string): string {
  return left
    .replace(/\.prototype(\.|$)/, '$1')
    .replace(/^(module\.)?exports(\.|$)/, '')
    .replace(/^this\./, '');
}

function classifyJs(node: Node, type = node.type): Classified {
  switch (type) {
    case 'function_declaration':
    case 'generator_function_declaration':
    case 'function_signature':
      return def('function', nameOf(node), node);
    case 'class_declaration':
    case 'abstract_class_declaration':
    case 'class':
      return def('class', nameOf(node), node);
    case 'interface_declaration':
      return def('interface', nameOf(node), null);
    case 'type_alias_declaration':
      return def('type', nameOf(node), null);
    case 'enum_declaration':
      return def('enum', nameOf(node), null);
    case 'internal_module': // namespace X {}
    case 'module': // module X {} / declare module 'x' {}
      return def('module', unquote(nameOf(node)), node);
    case 'method_definition':
      return def('method', nameOf(node), node);
    case 'public_field_definition': // class fields holding functions: `handle = () => {…}`
    case 'field_definition': {
      const value = node.childForFieldName('value');
      return value && JS_FUNCTIONS.has(value.type) ? def('method', nameOf(node) || nameOf(node, 'property'), node) : null;
    }
    case 'pair':
      return jsValue(node.childForFieldName('value'), () => unquote(nameOf(node, 'key')));
    case 'export_statement': {
      const declaration = node.childForFieldName('declaration');
      if (declaration) return classifyJs(declaration);
      return jsValue(node.childForFieldName('value'), () => '', 'default');
    }
    case 'ambient_declaration': // declare function f(); declare module 'x' {}; declare global {}
    case 'expression_statement': {
      const inner = node.firstNamedChild;
      if (!inner) return null;
      if (inner.type === 'assignment_expression') {
        return jsValue(inner.childForFieldName('right'), () => jsAssignedName(nameOf(inner, 'left')), 'module.exports');
      }
      if (inner.type === 'statement_block') return def('module', 'global', node); // declare global {…}
      return type === 'ambient_declaration' || inner.type === 'internal_module' ? classifyJs(inner) : null;
    }
    case 'lexical_declaration':
    case 'variable_declaration': {
      // Only single declarators: `const a = 1, b = () => 2` is left to the line windows.
      if (node.namedChildCount !== 1) return null;
      const declarator = node.firstNamedChild;
      if (declarator?.type !== 'variable_declarator') return null;
      return jsValue(declarator.childForFieldName('value'), () => {
        const name = declarator.childForFieldName('name');
        return name?.type === 'identifier' ? name.text : null;
      });
    }
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Python

function classifyPython(node: Node, type = node.type): Classified {
  switch (type) {
    case 'function_definition':
      return def('function', nameOf(node), node);
    case 'class_definition':
      return def('class', nameOf(node), node);
    case 'decorated_definition': {
      const inner = node.childForFieldName('definition');
      return inner ? classifyPython(inner) : null;
    }
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Go

function goTypeSpec(spec: Node): Definition {
  const type = spec.childForFieldName('type')?.type;
  const kind: ChunkKind = type === 'struct_type' ? 'struct' : type === 'interface_type' ? 'interface' : 'type';
  return def(kind, nameOf(spec), null);
}

function classifyGo(node: Node, type = node.type): Classified {
  switch (type) {
    case 'function_declaration':
      return def('function', nameOf(node), node);
    case 'method_declaration': {
      // func (c *Cache[K]) Get(…) → Cache.Get
      const receiver = node.childForFieldName('receiver')?.firstNamedChild?.childForFieldName('type')?.text ?? '';
      const recv = bare(receiver.replace(/^\*/, ''));
      const name = nameOf(node);
      return def('method', recv ? `${recv}.${name}` : name, node);
    }
    case 'type_declaration': {
      // `type X struct{…}` is one definition; `type ( A …; B … )` is looked into.
      const specs = node.namedChildren;
      return specs.length === 1 && specs[0] ? goTypeSpec(specs[0]) : { through: node, prefix: '' };
    }
    case 'type_spec':
    case 'type_alias':
      return goTypeSpec(node);
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Rust

function classifyRust(node: Node, type = node.type): Classified {
  switch (type) {
    case 'function_item':
    case 'function_signature_item':
      return def('function', nameOf(node), node);
    case 'macro_definition':
      return def('function', nameOf(node), null);
    case 'struct_item':
    case 'union_item':
      return def('struct', nameOf(node), null);
    case 'enum_item':
      return def('enum', nameOf(node), null);
    case 'trait_item':
      return def('interface', nameOf(node), node);
    case 'type_item':
      return def('type', nameOf(node), null);
    case 'impl_item': // impl Trait for Type {…} → methods become Type.method
      return def('class', dotted(bare(nameOf(node, 'type'))), node);
    case 'mod_item':
      return node.childForFieldName('body') ? def('module', nameOf(node), node) : null;
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Java

function classifyJava(node: Node, type = node.type): Classified {
  switch (type) {
    case 'class_declaration':
    case 'record_declaration':
      return def('class', nameOf(node), node);
    case 'interface_declaration':
    case 'annotation_type_declaration':
      return def('interface', nameOf(node), node);
    case 'enum_declaration':
      return def('enum', nameOf(node), node);
    case 'method_declaration':
    case 'constructor_declaration':
    case 'compact_constructor_declaration':
      return def('method', nameOf(node), node);
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// C#

function classifyCSharp(node: Node, type = node.type): Classified {
  switch (type) {
    case 'namespace_declaration':
    case 'file_scoped_namespace_declaration':
      return def('module', nameOf(node), node);
    case 'class_declaration':
    case 'record_declaration':
    case 'record_struct_declaration':
      return def('class', nameOf(node), node);
    case 'struct_declaration':
      return def('struct', nameOf(node), node);
    case 'interface_declaration':
      return def('interface', nameOf(node), node);
    case 'enum_declaration':
      return def('enum', nameOf(node), null);
    case 'method_declaration':
    case 'constructor_declaration':
    case 'destructor_declaration':
    case 'operator_declaration':
    case 'conversion_operator_declaration':
      return def('method', nameOf(node), node);
    case 'local_function_statement':
      return def('function', nameOf(node), node);
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// C / C++

const C_TYPES: Record<string, ChunkKind> = {
  struct_specifier: 'struct',
  union_specifier: 'struct',
  class_specifier: 'class',
  enum_specifier: 'enum',
};

/** The declared name inside a declarator chain: `*foo(int)` → foo, `(*fn)(int)` → fn, `Polygon::area() const` → Polygon.area. */
function cDeclaratorName(declarator: Node | null): string {
  let node = declarator;
  while (node) {
    // A parenthesized declarator holds its inner declarator as a plain child, not as a field.
    const inner = node.type === 'parenthesized_declarator' ? node.firstNamedChild : node.childForFieldName('declarator');
    if (!inner) return dotted(node.text);
    node = inner;
  }
  return '';
}

function classifyC(node: Node, type = node.type): Classified {
  switch (type) {
    case 'function_definition': {
      const name = cDeclaratorName(node.childForFieldName('declarator'));
      // An out-of-class definition `double Polygon::area()` is a method.
      return def(name.includes('.') ? 'method' : 'function', name, node);
    }
    case 'struct_specifier':
    case 'union_specifier':
    case 'class_specifier':
    case 'enum_specifier':
      // Only definitions with a body; `struct foo;` and `struct foo *p` are mere uses.
      return node.childForFieldName('body') ? def(C_TYPES[type] ?? 'struct', dotted(nameOf(node)), node) : null;
    case 'type_definition': {
      // typedef struct {…} point_t; → the struct, named by the typedef.
      const name = cDeclaratorName(node.childForFieldName('declarator'));
      const spec = node.childForFieldName('type');
      const kind = spec && spec.childForFieldName('body') ? C_TYPES[spec.type] : undefined;
      // A plain `typedef struct _GFoo GFoo;` is a declaration; it counts only when documented.
      return kind && spec ? def(kind, name, spec) : def('type', name, null, true);
    }
    case 'namespace_definition': {
      // An anonymous namespace is no unit of its own: its contents belong to the file.
      const name = dotted(nameOf(node));
      return name ? def('module', name, node) : { through: node, prefix: '' };
    }
    case 'template_declaration': {
      const inner = node.lastNamedChild;
      return inner ? classifyC(inner) : null;
    }
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Ruby

function classifyRuby(node: Node, type = node.type): Classified {
  switch (type) {
    case 'method':
      return def('function', nameOf(node), node);
    case 'singleton_method': // def self.default
      return def('method', nameOf(node), node);
    case 'class':
      return def('class', dotted(nameOf(node)), node);
    case 'module':
      return def('module', dotted(nameOf(node)), node);
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// PHP

function classifyPhp(node: Node, type = node.type): Classified {
  switch (type) {
    case 'function_definition':
      return def('function', nameOf(node), node);
    case 'method_declaration':
      return def('method', nameOf(node), node);
    case 'class_declaration':
    case 'trait_declaration':
      return def('class', nameOf(node), node);
    case 'interface_declaration':
      return def('interface', nameOf(node), node);
    case 'enum_declaration':
      return def('enum', nameOf(node), node);
    case 'namespace_definition': // only the braced form holds members; `namespace X;` is one line
      return node.childForFieldName('body') ? def('module', nameOf(node), node) : null;
    default:
      return null;
  }
}

const CLASSIFIERS: Record<string, Classify> = {
  typescript: classifyJs,
  tsx: classifyJs,
  javascript: classifyJs,
  python: classifyPython,
  go: classifyGo,
  rust: classifyRust,
  java: classifyJava,
  csharp: classifyCSharp,
  c: classifyC,
  cpp: classifyC,
  ruby: classifyRuby,
  php: classifyPhp,
};

/** The definition rules of a language that has a grammar. */
export function classifierOf(language: string): Classify | undefined {
  return CLASSIFIERS[language];
}
