import type { BrregError } from '../brreg/brreg.errors';

/** Brreg answered a confirm with ERROR-00005 or 404 but still lists the forsendelse: retried, not trusted. */
export class StillListedError extends Error {
  constructor(
    readonly mottakId: string,
    cause: BrregError,
  ) {
    super(`confirm answered ${cause.context.status} ${cause.context.feilkode ?? ''} but Brreg still lists it`, {
      cause,
    });
    this.name = 'StillListedError';
  }
}
