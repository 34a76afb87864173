/**
 * A tiny tagged template for ClickHouse queries with bound parameters: interpolations are
 * `param(name, type, value)` objects and become `{name:Type}` placeholders, never text.
 */
export interface BoundParam {
  readonly name: string;
  readonly type: string;
  readonly value: unknown;
}

export interface BoundQuery {
  text: string;
  params: Record<string, unknown>;
  /** name → ClickHouse type, to render a display copy with literals. */
  types: Record<string, string>;
}

export function param(name: string, type: string, value: unknown): BoundParam {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad parameter name ${name}`);
  return { name, type, value };
}

export function sql(strings: TemplateStringsArray, ...values: BoundParam[]): BoundQuery {
  let text = strings[0] ?? "";
  const params: Record<string, unknown> = {};
  const types: Record<string, string> = {};
  values.forEach((p, i) => {
    text += `{${p.name}:${p.type}}${strings[i + 1] ?? ""}`;
    params[p.name] = p.value;
    types[p.name] = p.type;
  });
  return { text: text.trim(), params, types };
}

function literal(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(literal).join(", ")}]`;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  return `'${String(v).replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/**
 * A copy of the query with parameters written as literals, for people to read and paste
 * into the analyst SQL page (which runs it read-only). Our code never executes this form.
 */
export function displaySql(q: BoundQuery): string {
  return q.text.replace(/\{([a-z_][a-z0-9_]*):([^}]+)\}/g, (m, name: string) =>
    name in q.params ? literal(q.params[name]) : m,
  );
}
