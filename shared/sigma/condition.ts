import { SigmaConditionError } from './issues.ts';

/**
 * The Sigma condition language, parsed into an AST by a tokenizer and a recursive-descent parser.
 *
 * Precedence, least to most binding (rules specification, "Condition"): `or`, `and`, `not`,
 * `x of`, parentheses. `1 of` / `any of` / `all of` take `them` or an identifier pattern with `*`
 * wildcards. Keywords are matched case-insensitively (`AND` = `and`). After a `|` comes an
 * aggregation (Sigma 1.0: `count(field) by group > n`, also min/max/avg/sum, and `near`); the
 * parser reads its syntax, the compiler decides what it can evaluate. Anything else is an error
 * that names the construct, never a silent partial parse.
 */

export type ConditionAst =
  | { readonly type: 'ref'; readonly name: string }
  | { readonly type: 'not'; readonly operand: ConditionAst }
  | { readonly type: 'and' | 'or'; readonly operands: readonly ConditionAst[] }
  | { readonly type: 'of'; readonly quantifier: 'one' | 'all'; readonly target: string };

export type AggregationFunction = 'count' | 'min' | 'max' | 'avg' | 'sum';
export type ComparisonOperator = '<' | '<=' | '>' | '>=' | '=';

export interface AggregationAst {
  readonly fn: AggregationFunction;
  /** `count(field)`: distinct values of the field; absent for `count()`. */
  readonly field?: string;
  readonly groupBy?: string;
  readonly op: ComparisonOperator;
  readonly threshold: number;
  /** As written, for reports: `| count() by sourceIPAddress > 5`. */
  readonly text: string;
}

export interface ParsedCondition {
  readonly expression: ConditionAst;
  readonly aggregation?: AggregationAst;
}

/** A hostile rule could nest parentheses until the stack overflows; real conditions use a handful. */
export const MAX_CONDITION_LENGTH = 4096;
export const MAX_CONDITION_DEPTH = 64;

type Token = { readonly kind: '(' | ')' | 'word'; readonly text: string; readonly at: number };

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', 'all', 'any']);

export function parseCondition(text: string): ParsedCondition {
  if (text.length > MAX_CONDITION_LENGTH) {
    throw new SigmaConditionError(
      'condition-syntax',
      `condition longer than ${MAX_CONDITION_LENGTH} characters`,
    );
  }
  const pipe = text.indexOf('|');
  const main = pipe === -1 ? text : text.slice(0, pipe);
  const expression = new Parser(text, tokenize(main)).parse();
  if (pipe === -1) return { expression };
  return { expression, aggregation: parseAggregation(text.slice(pipe)) };
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c, text: c, at: i });
      i++;
    } else {
      const start = i;
      while (i < text.length && !/[\s()]/.test(text[i] as string)) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), at: start });
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
  ) {}

  parse(): ConditionAst {
    if (this.tokens.length === 0) throw new SigmaConditionError('condition-syntax', 'empty condition');
    const ast = this.parseOr();
    const extra = this.peek();
    if (extra) throw this.unexpected(extra);
    return ast;
  }

  private parseOr(): ConditionAst {
    const operands = [this.parseAnd()];
    while (this.acceptKeyword('or')) operands.push(this.parseAnd());
    return operands.length === 1 ? (operands[0] as ConditionAst) : { type: 'or', operands };
  }

  private parseAnd(): ConditionAst {
    const operands = [this.parseNot()];
    while (this.acceptKeyword('and')) operands.push(this.parseNot());
    return operands.length === 1 ? (operands[0] as ConditionAst) : { type: 'and', operands };
  }

  private parseNot(): ConditionAst {
    if (this.acceptKeyword('not')) return this.nested(() => ({ type: 'not', operand: this.parseNot() }));
    return this.parsePrimary();
  }

  private parsePrimary(): ConditionAst {
    const token = this.next();
    if (!token) throw new SigmaConditionError('condition-syntax', `condition ends early: '${this.source}'`);
    if (token.kind === '(') {
      const inner = this.nested(() => this.parseOr());
      const close = this.next();
      if (close?.kind !== ')') {
        throw new SigmaConditionError('condition-syntax', `missing ')' for '(' at position ${token.at}`);
      }
      return inner;
    }
    if (token.kind === ')') throw this.unexpected(token);
    const word = token.text.toLowerCase();
    const following = this.peek();
    if (following?.kind === 'word' && following.text.toLowerCase() === 'of') {
      this.pos++;
      return { type: 'of', quantifier: this.quantifier(token), target: this.ofTarget() };
    }
    if (KEYWORDS.has(word)) throw this.unexpected(token);
    if (token.text.includes('*')) {
      throw new SigmaConditionError(
        'condition-syntax',
        `wildcard identifier '${token.text}' outside '1 of' / 'all of'`,
      );
    }
    return { type: 'ref', name: token.text };
  }

  private quantifier(token: Token): 'one' | 'all' {
    const word = token.text.toLowerCase();
    if (word === '1' || word === 'any') return 'one';
    if (word === 'all') return 'all';
    if (/^\d+$/.test(word)) {
      throw new SigmaConditionError(
        'condition-quantifier',
        `quantifier '${token.text} of' (Sigma defines only '1 of' and 'all of')`,
      );
    }
    throw this.unexpected(token);
  }

  private ofTarget(): string {
    const target = this.next();
    if (target?.kind !== 'word') {
      throw new SigmaConditionError(
        'condition-syntax',
        `'of' must be followed by 'them' or an identifier pattern`,
      );
    }
    const word = target.text.toLowerCase();
    if (word === 'them') return 'them';
    if (KEYWORDS.has(word)) throw this.unexpected(target);
    return target.text;
  }

  private nested<T>(f: () => T): T {
    if (++this.depth > MAX_CONDITION_DEPTH) {
      throw new SigmaConditionError(
        'condition-syntax',
        `condition nested deeper than ${MAX_CONDITION_DEPTH} levels`,
      );
    }
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private acceptKeyword(keyword: string): boolean {
    const t = this.peek();
    if (t?.kind === 'word' && t.text.toLowerCase() === keyword) {
      this.pos++;
      return true;
    }
    return false;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private next(): Token | undefined {
    return this.tokens[this.pos++];
  }

  private unexpected(token: Token): SigmaConditionError {
    return new SigmaConditionError(
      'condition-syntax',
      `unexpected '${token.text}' at position ${token.at} in condition '${this.source}'`,
    );
  }
}

const AGGREGATION =
  /^\|\s*(count|min|max|avg|sum)\s*\(\s*([^()\s]*)\s*\)\s*(?:by\s+([^\s<>=]+)\s*)?(<=|>=|==|=|<|>)\s*(\d+(?:\.\d+)?)\s*$/i;

function parseAggregation(text: string): AggregationAst {
  const shown = text.trim();
  if (/^\|\s*near\b/i.test(shown)) {
    throw new SigmaConditionError('aggregation', `temporal aggregation '${shown}' (near)`);
  }
  const m = AGGREGATION.exec(shown);
  if (!m) throw new SigmaConditionError('aggregation', `aggregation '${shown}' does not parse`);
  const [, fn, field, groupBy, op, threshold] = m;
  return {
    fn: (fn as string).toLowerCase() as AggregationFunction,
    ...(field ? { field } : {}),
    ...(groupBy ? { groupBy } : {}),
    op: op === '==' ? '=' : (op as ComparisonOperator),
    threshold: Number(threshold),
    text: shown,
  };
}

/** Search identifiers an `x of` target names: `them` is all but `_`-prefixed ones; `*` is a wildcard. */
export function identifiersMatching(target: string, names: readonly string[]): string[] {
  if (target === 'them') return names.filter((n) => !n.startsWith('_'));
  const re = new RegExp(`^${target.split('*').map(escapeRegex).join('.*')}$`);
  return names.filter((n) => re.test(n));
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
