import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764633600000 implements MigrationInterface {
  name = 'InitialSchema1764633600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE forsendelse (
        mottak_id            uuid        NOT NULL,
        state                text        NOT NULL,
        attempt              integer     NOT NULL DEFAULT 1,
        message_id           uuid        NOT NULL,
        conversation_id      uuid        NOT NULL,
        oppdatert            text,
        tjeneste             text,
        bytes                bigint,
        sha256               text,
        send_requested_at    timestamptz,
        delivered_message_id uuid,
        delivered_at         timestamptz,
        confirmed_at         timestamptz,
        failure_reason       text,
        created_at           timestamptz NOT NULL DEFAULT now(),
        state_changed_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT forsendelse_pkey PRIMARY KEY (mottak_id),
        CONSTRAINT forsendelse_state_check CHECK
          (state IN ('DISCOVERED', 'FORWARDING', 'SENT', 'DELIVERED', 'CONFIRMED', 'FAILED')),
        CONSTRAINT forsendelse_attempt_check CHECK (attempt >= 1),
        CONSTRAINT forsendelse_confirmed_check CHECK (state <> 'CONFIRMED' OR delivered_message_id IS NOT NULL)
      )`);
    // Poll, track and reconcile touch only what is in flight; this index keeps their cost flat as
    // CONFIRMED rows pile up.
    await q.query(`
      CREATE INDEX forsendelse_in_flight_idx ON forsendelse (state, state_changed_at)
        WHERE state IN ('DISCOVERED', 'FORWARDING', 'SENT', 'DELIVERED')`);
    await q.query(`CREATE INDEX forsendelse_failed_idx ON forsendelse (state_changed_at) WHERE state = 'FAILED'`);

    await q.query(`
      CREATE TABLE forsendelse_attempt (
        message_id  uuid        NOT NULL,
        mottak_id   uuid        NOT NULL,
        attempt     integer     NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT forsendelse_attempt_pkey PRIMARY KEY (message_id),
        CONSTRAINT forsendelse_attempt_mottak_fkey FOREIGN KEY (mottak_id) REFERENCES forsendelse (mottak_id),
        CONSTRAINT forsendelse_attempt_unique UNIQUE (mottak_id, attempt)
      )`);

    await q.query(`
      CREATE TABLE forsendelse_event (
        id          bigserial   NOT NULL,
        mottak_id   uuid        NOT NULL,
        at          timestamptz NOT NULL DEFAULT clock_timestamp(),
        kind        text        NOT NULL,
        from_state  text,
        to_state    text,
        attempt     integer,
        message_id  uuid,
        status      text,
        ip_status_id bigint,
        detail      jsonb,
        CONSTRAINT forsendelse_event_pkey PRIMARY KEY (id),
        CONSTRAINT forsendelse_event_mottak_fkey FOREIGN KEY (mottak_id) REFERENCES forsendelse (mottak_id),
        CONSTRAINT forsendelse_event_kind_check CHECK (kind IN ('transition', 'status', 'note'))
      )`);
    await q.query(`CREATE INDEX forsendelse_event_mottak_idx ON forsendelse_event (mottak_id, id)`);
    // An IP status is recorded once, however often the feed's overlap or a webhook brings it again. A message
    // holds each status at most once, so (message_id, status) is the key; the IP's status id is kept as detail.
    await q.query(
      `CREATE UNIQUE INDEX forsendelse_event_status_idx ON forsendelse_event (message_id, status) WHERE kind = 'status'`,
    );

    // The status feed's high-water mark (tracking module): the IP's lastUpdate up to which all is read.
    await q.query(`
      CREATE TABLE status_cursor (
        name        text        NOT NULL,
        high_water  timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT status_cursor_pkey PRIMARY KEY (name)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE status_cursor`);
    await q.query(`DROP TABLE forsendelse_event`);
    await q.query(`DROP TABLE forsendelse_attempt`);
    await q.query(`DROP TABLE forsendelse`);
  }
}
