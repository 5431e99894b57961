// The slice of Prism's API the snippet colouring uses (the package ships no types).
declare module 'prismjs' {
  export interface Token {
    type: string;
    alias?: string | string[];
    content: TokenStream;
    length: number;
  }
  export type TokenStream = string | Token | (string | Token)[];
  export type Grammar = Record<string, unknown>;
  const Prism: {
    languages: Record<string, Grammar | undefined>;
    tokenize(text: string, grammar: Grammar): (string | Token)[];
    manual?: boolean;
  };
  export default Prism;
}
declare module 'prismjs/components/*';
