/**
 * Builds update and condition expressions with placeholders for every name and value, so reserved words
 * (`status`, `owner`, `name`, `source`…) and user data never end up inside the expression text.
 */
import type { NativeAttributeValue } from '@aws-sdk/lib-dynamodb';

export interface ExpressionParts {
  UpdateExpression?: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, NativeAttributeValue>;
}

/**
 * @example
 * const x = new Expression();
 * x.set('status', 'processing').add('batchesDone', 1);
 * const input = x.build(`attribute_exists(${x.name('pk')})`);
 * // { UpdateExpression: 'SET #n0 = :v0 ADD #n1 :v1', ConditionExpression: 'attribute_exists(#n2)', … }
 */
export class Expression {
  private readonly names = new Map<string, string>();
  private readonly values: Record<string, NativeAttributeValue> = {};
  private readonly clauses = {
    SET: [] as string[],
    REMOVE: [] as string[],
    ADD: [] as string[],
    DELETE: [] as string[],
  };

  /** The placeholder of an attribute path; dots separate map levels (`counts.created`). */
  name(path: string): string {
    return path
      .split('.')
      .map((segment) => {
        let placeholder = this.names.get(segment);
        if (!placeholder) {
          placeholder = `#n${this.names.size}`;
          this.names.set(segment, placeholder);
        }
        return placeholder;
      })
      .join('.');
  }

  /** A placeholder for a value. */
  value(value: NativeAttributeValue): string {
    const placeholder = `:v${Object.keys(this.values).length}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  /** `SET path = value`; an undefined value is skipped. */
  set(path: string, value: NativeAttributeValue): this {
    if (value !== undefined) this.clauses.SET.push(`${this.name(path)} = ${this.value(value)}`);
    return this;
  }

  /** `SET path = <expression>` for expressions built with `name` and `value`. */
  setTo(path: string, expression: string): this {
    this.clauses.SET.push(`${this.name(path)} = ${expression}`);
    return this;
  }

  /** `ADD path value` (numbers and sets; top-level attributes only). */
  add(path: string, value: NativeAttributeValue): this {
    this.clauses.ADD.push(`${this.name(path)} ${this.value(value)}`);
    return this;
  }

  /** `DELETE path set`: removes elements from a set (the attribute goes when the set empties). */
  delete(path: string, value: NativeAttributeValue): this {
    this.clauses.DELETE.push(`${this.name(path)} ${this.value(value)}`);
    return this;
  }

  remove(path: string): this {
    this.clauses.REMOVE.push(this.name(path));
    return this;
  }

  /** The expression attributes of an UpdateItem (with at least one clause). */
  buildUpdate(condition?: string): ExpressionParts & { UpdateExpression: string } {
    const parts = this.build(condition);
    if (!parts.UpdateExpression) throw new Error('An update needs at least one SET, REMOVE, ADD or DELETE');
    return { ...parts, UpdateExpression: parts.UpdateExpression };
  }

  /** The expression attributes of a request: a condition, a query, or an update (see `buildUpdate`). */
  build(condition?: string): ExpressionParts {
    const update = Object.entries(this.clauses)
      .filter(([, parts]) => parts.length > 0)
      .map(([verb, parts]) => `${verb} ${parts.join(', ')}`)
      .join(' ');
    const hasValues = Object.keys(this.values).length > 0;
    const names = Object.fromEntries([...this.names].map(([name, placeholder]) => [placeholder, name]));
    return {
      ...(update ? { UpdateExpression: update } : {}),
      ...(condition ? { ConditionExpression: condition } : {}),
      ...(this.names.size > 0 ? { ExpressionAttributeNames: names } : {}),
      ...(hasValues ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}
