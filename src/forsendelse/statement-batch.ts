import DataLoader from 'dataloader';

/**
 * How long a row's write or read waits for others of its kind to share one statement. In a backlog dozens of
 * forwards and confirms run side by side, and each statement is a PostgreSQL transaction of its own (a commit, a
 * WAL flush, a round trip); sharing one cuts those per item (bench:drain, docs/benchmarks.md). A few milliseconds
 * is nothing beside the peers' own latency.
 */
export const STATEMENT_BATCH_WINDOW_MS = 4;
/** Bounds one statement's arrays (and the rows one statement locks). */
export const STATEMENT_BATCH_MAX = 256;

/** A key of a batched statement: the row it touches comes first, so duplicates can be told apart. */
export interface RowKey {
  mottakId: string;
}

/**
 * One statement for every call made within the window. `run` gets each row once, in call order, and answers per
 * row; a second call for the same row in the same batch gets `duplicate` instead, as it would had it run just after
 * the first (every batched write is conditional on the state the first one leaves behind).
 */
export function statementBatch<K extends RowKey, V>(
  run: (keys: readonly K[]) => Promise<ReadonlyMap<string, V>>,
  missing: V,
  duplicate: V = missing,
): (key: K) => Promise<V> {
  const loader = new DataLoader<K, V>(
    async (keys) => {
      const rows = new Set<string>();
      const firsts = new Set<K>();
      for (const key of keys) {
        if (!rows.has(key.mottakId)) {
          rows.add(key.mottakId);
          firsts.add(key);
        }
      }
      const answers = await run([...firsts]);
      return keys.map((key) => (firsts.has(key) ? (answers.get(key.mottakId) ?? missing) : duplicate));
    },
    {
      cache: false,
      maxBatchSize: STATEMENT_BATCH_MAX,
      batchScheduleFn: (callback) => setTimeout(callback, STATEMENT_BATCH_WINDOW_MS),
    },
  );
  return (key) => loader.load(key);
}
