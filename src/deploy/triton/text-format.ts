// A writer for the protobuf text format (protobuf.dev, "Text Format Language Specification"), which is what a
// Triton config.pbtxt is: a ModelConfig message (triton-inference-server/common, protobuf/model_config.proto).
// Only what the writer is given is emitted, in the order given, so the output is deterministic.

/** An enum value, written bare (TYPE_FP32), never quoted. */
export interface TextEnum {
  readonly enum: string;
}

/** A scalar field value: strings are quoted and escaped, numbers and bigints must be integers. */
export type TextScalar = string | number | bigint | boolean | TextEnum;

/** A field value: a scalar, a nested message, or a repeated field (a list of scalars or of messages). */
export type TextValue = TextScalar | TextMessage | readonly TextScalar[] | readonly TextMessage[];

/** A message: fields in the order they are written; undefined fields are left out. */
export interface TextMessage {
  readonly [field: string]: TextValue | undefined;
}

/** Wrap an enum value name. */
export function enumValue(name: string): TextEnum {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not an enum identifier: ${name}`);
  return { enum: name };
}

const SIMPLE_ESCAPES: Record<number, string> = {
  0x09: '\\t',
  0x0a: '\\n',
  0x0d: '\\r',
  0x22: '\\"',
  0x27: "\\'",
  0x5c: '\\\\',
};

/**
 * A quoted string literal. The spec's escapes for quote, apostrophe, backslash, tab, newline and carriage
 * return; every other byte outside printable ASCII (controls, DEL, each byte of a multi-byte UTF-8 sequence) as
 * a three-digit octal escape, which every parser turns back into the same bytes.
 */
export function quoteString(value: string): string {
  let out = '"';
  for (const byte of Buffer.from(value, 'utf8')) {
    const simple = SIMPLE_ESCAPES[byte];
    if (simple) out += simple;
    else if (byte < 0x20 || byte >= 0x7f) out += `\\${byte.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}"`;
}

function isMessage(value: unknown): value is TextMessage {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !('enum' in value);
}

function formatScalar(value: TextScalar, field: string): string {
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`field ${field}: ${value} is not an integer`);
    return String(value);
  }
  return value.enum;
}

function checkFieldName(field: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new Error(`not a field name: ${field}`);
}

function formatFields(message: TextMessage, indent: string): string[] {
  const lines: string[] = [];
  for (const [field, value] of Object.entries(message)) {
    if (value === undefined) continue;
    checkFieldName(field);
    if (Array.isArray(value)) {
      const items = value as readonly (TextScalar | TextMessage)[];
      if (items.length > 0 && items.every(isMessage)) {
        lines.push(`${indent}${field} [`);
        items.forEach((item, i) => {
          lines.push(`${indent}  {`, ...formatFields(item as TextMessage, `${indent}    `));
          lines.push(`${indent}  }${i < items.length - 1 ? ',' : ''}`);
        });
        lines.push(`${indent}]`);
      } else {
        if (items.some(isMessage)) throw new Error(`field ${field}: a list mixes messages and scalars`);
        const text = items.map((v) => formatScalar(v as TextScalar, field)).join(', ');
        lines.push(`${indent}${field}: [ ${text}${text ? ' ' : ''}]`);
      }
    } else if (isMessage(value)) {
      lines.push(`${indent}${field} {`, ...formatFields(value, `${indent}  `), `${indent}}`);
    } else {
      lines.push(`${indent}${field}: ${formatScalar(value as TextScalar, field)}`);
    }
  }
  return lines;
}

/** The text format of a message, one field per line, two-space indents, with a final newline. */
export function formatTextMessage(message: TextMessage): string {
  return `${formatFields(message, '').join('\n')}\n`;
}
