/**
 * The orders RULES §9 allows, and the final states they reach in the oracle.
 *
 * A file's rows form *components*: rows linked by a shared identifier value (line_uid, phone — a WhatsApp
 * number is a phone —, email, customer_id), directly or through other rows of the file. An allowed order
 * applies the rows one by one and keeps file order within every component of every file; rows of
 * different components (and of different files) may interleave in any way.
 *
 * Trying every interleaving is too many, so components are first grouped into *clusters* that can affect
 * one another: two components interact when they share an identifier value (only possible across files)
 * or when both reach a stored contact (it holds one of their values). Components of different clusters
 * reach disjoint contacts — a contact one of them creates or merges holds only its own values and those
 * of stored contacts it reached — so clusters commute and are applied one after the other. Inside a
 * cluster every interleaving is explored, states reached twice at the same point kept once.
 */
import type { Outcome, RowCounts, RowInput } from '../../shared/domain/model.js';
import {
  applyRow,
  contactIdentifiers,
  type Identifier,
  type ModelFile,
  type ModelState,
  rowIdentifiers,
  view,
} from './oracle.js';

/** One import as the oracle sees it: its place in the logical order, and its valid rows in file order. */
export interface ModelImport {
  readonly file: ModelFile;
  readonly rows: readonly RowInput[];
}

export interface Reached {
  readonly state: ModelState;
  readonly counts: RowCounts;
}

/** More states than a test run should explore; the scenario is too large to check exhaustively. */
export class TooManyOrdersError extends Error {
  constructor(limit: number) {
    super(`More than ${limit} (position, state) pairs to explore`);
    this.name = 'TooManyOrdersError';
  }
}

interface Component {
  readonly file: ModelFile;
  readonly rows: RowInput[];
  readonly values: Set<string>;
}

const linkOf = (i: Identifier): string => `${i.type === 'whatsapp' ? 'phone' : i.type}#${i.value}`;

class UnionFind {
  private readonly parent: number[];
  constructor(size: number) {
    this.parent = Array.from({ length: size }, (_v, i) => i);
  }
  find(i: number): number {
    const up = this.parent[i] as number;
    if (up === i) return i;
    const root = this.find(up);
    this.parent[i] = root;
    return root;
  }
  union(a: number, b: number): void {
    this.parent[this.find(a)] = this.find(b);
  }
  /** The classes, each in ascending order of its members, ordered by their first member. */
  classes(): number[][] {
    const byRoot = new Map<number, number[]>();
    this.parent.forEach((_p, i) => {
      const root = this.find(i);
      byRoot.set(root, [...(byRoot.get(root) ?? []), i]);
    });
    return [...byRoot.values()];
  }
}

/** Indices of items that share a value, grouped: the connected components of "shares a value". */
function linked(valueSets: readonly Set<string>[]): number[][] {
  const uf = new UnionFind(valueSets.length);
  const firstHolder = new Map<string, number>();
  valueSets.forEach((values, i) => {
    for (const value of values) {
      const other = firstHolder.get(value);
      if (other === undefined) firstHolder.set(value, i);
      else uf.union(i, other);
    }
  });
  return uf.classes();
}

/** The components of one file (RULES §9), each with its rows in file order. */
export function componentsOf(imported: ModelImport): RowInput[][] {
  const sets = imported.rows.map((row) => new Set(rowIdentifiers(row).map(linkOf)));
  return linked(sets).map((members) => members.map((i) => imported.rows[i] as RowInput));
}

function stateKey(reached: Reached): string {
  const contacts = [...reached.state.values()]
    .map((c) => JSON.stringify([c.rank, view(c)]))
    .sort()
    .join('\n');
  return `${JSON.stringify(reached.counts)}\n${contacts}`;
}

function bump(counts: RowCounts, outcome: Outcome): RowCounts {
  return { ...counts, [outcome]: counts[outcome] + 1 };
}

/** Every (state, counts) reachable by interleaving the components of one cluster from each start. */
function explore(cluster: readonly Component[], starts: readonly Reached[], limit: number): Reached[] {
  type Node = { readonly positions: number[]; readonly reached: Reached };
  let level = new Map<string, Node>(
    starts.map((reached) => [stateKey(reached), { positions: cluster.map(() => 0), reached }]),
  );
  const total = cluster.reduce((sum, c) => sum + c.rows.length, 0);
  let explored = 0;
  for (let step = 0; step < total; step++) {
    const next = new Map<string, Node>();
    for (const { positions, reached } of level.values()) {
      cluster.forEach((component, index) => {
        const position = positions[index] as number;
        const row = component.rows[position];
        if (!row) return;
        const { state, outcome } = applyRow(reached.state, row, component.file);
        const moved = positions.map((p, i) => (i === index ? p + 1 : p));
        const node = { positions: moved, reached: { state, counts: bump(reached.counts, outcome) } };
        next.set(`${moved.join(',')}\n${stateKey(node.reached)}`, node);
        if (++explored > limit) throw new TooManyOrdersError(limit);
      });
    }
    level = next;
  }
  return [...new Map([...level.values()].map((n) => [stateKey(n.reached), n.reached])).values()];
}

/**
 * The final states (with the row counts that led there) of every order RULES §9 allows for these imports
 * run at once over `initial`. The counts cover the valid rows only.
 *
 * @example
 * const finals = reachableFinals(stateOf(stored), [{ file: { channel: 'line', order: 1 }, rows }]);
 */
export function reachableFinals(
  initial: ModelState,
  imports: readonly ModelImport[],
  limit = 200_000,
): Reached[] {
  const components: Component[] = imports.flatMap((imported) =>
    componentsOf(imported).map((rows) => ({
      file: imported.file,
      rows,
      values: new Set(rows.flatMap((row) => rowIdentifiers(row).map(linkOf))),
    })),
  );
  // A component also "holds" the stored contacts it reaches, so that two reaching one are linked.
  const reachable = components.map((component) => {
    const values = new Set(component.values);
    for (const contact of initial.values()) {
      if (contactIdentifiers(contact).some((i) => component.values.has(linkOf(i))))
        values.add(`stored#${contact.id}`);
    }
    return values;
  });
  const empty: RowCounts = { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 };
  let reached: Reached[] = [{ state: initial, counts: empty }];
  for (const members of linked(reachable)) {
    reached = explore(
      members.map((i) => components[i] as Component),
      reached,
      limit,
    );
  }
  return reached;
}
