import DataLoader from 'dataloader';

/**
 * How long a row's write or read waits for others of its kind to share one statement. In a backlog dozens of
 * forwards and confirms run side by side, and each statement is a PostgreSQL transaction of its own (a commit, a
 * WAL flush, a round trip); sharing one cuts those per item (bench:drain, docs/benchmarks.md). A few milliseconds
 * is nothing beside the peers' own latency.
 */
const STATEMENT_BATCH_WINDOW_MS = 4;
/** Bounds one statement's arrays (and the rows one statement locks). */
const STATEMENT_BATCH_MAX = 256;

/** A key of a batched statement: the row it touches comes first, so duplicates can be told apart. */
export interface RowKey {
  mottakId: string;
}

/**
 * One statement for every call made within the window. `run` gets each row once, in call order, and answers per
 * row (`missing` for a row it does not answer). A second call for the same row in the same batch shares the first's
 * answer when the statement only reads; when it writes, the second loses (gets `missing`), as it would had it run
 * just after the first: every batched write is conditional on the state the first one leaves behind.
 */
export function statementBatch<K extends RowKey, V>(
  kind: 'read' | 'write',
  run: (keys: readonly K[]) => Promise<ReadonlyMap<string, V>>,
  missing: V,
): (key: K) => Promise<V> {
  const loader = new DataLoader<K, V>(
    async (keys) => {
      const firsts = new Map<string, K>();
      for (const key of keys) {
        if (!firsts.has(key.mottakId)) {
          firsts.set(key.mottakId, key);
        }
      }
      const answers = await run([...firsts.values()]);
      return keys.map((key) =>
        kind === 'read' || firsts.get(key.mottakId) === key ? (answers.get(key.mottakId) ?? missing) : missing,
      );
    },
    {
      cache: false,
      maxBatchSize: STATEMENT_BATCH_MAX,
      batchScheduleFn: (callback) => setTimeout(callback, STATEMENT_BATCH_WINDOW_MS),
    },
  );
  return (key) => loader.load(key);
}
