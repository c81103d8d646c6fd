import type { AppConfig } from '../src/config/app-config';
import { ARKIVMELDING_FILENAME, buildArkivmelding, zipFilenameFor } from '../src/eformidling/arkivmelding.builder';
import { buildSbd } from '../src/eformidling/sbd.builder';
import { messageIdFor } from '../src/forsendelse/forsendelse-ids';

/**
 * Attempt 1 of a forsendelse created, uploaded and sent at the IP the way a quick script would: no resume, no
 * idempotency record, the zip whole in memory. The naive client of bench:drain, and bench:scale's fixture.
 */
export async function sendLikeAScript(efm: AppConfig['efm'], mottakId: string, zip: Buffer): Promise<string> {
  const api = `${efm.baseUrl.replace(/\/+$/, '')}/api`;
  const messageId = messageIdFor(mottakId, 1);
  const sbd = buildSbd({
    mottakId,
    attempt: 1,
    senderOrgnr: efm.senderOrgnr,
    receiverOrgnr: efm.receiverOrgnr,
    messageType: 'arkivmelding',
    process: efm.process,
    avtaltIdentifier: efm.avtaltIdentifier,
    ttlHours: 24,
    securityLevel: efm.securityLevel,
    nowMs: Date.now(),
  });
  await ok(
    await fetch(`${api}/messages/out`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sbd),
    }),
  );
  const zipFilename = zipFilenameFor(mottakId);
  const xml = buildArkivmelding({
    mottakId,
    messageId,
    zipFilename,
    oppdatert: null,
    tjeneste: null,
    nowMs: Date.now(),
  });
  await ok(
    await fetch(`${api}/messages/out/${messageId}`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/xml',
        'content-disposition': `attachment; name="Arkivmelding"; filename="${ARKIVMELDING_FILENAME}"`,
      },
      body: xml,
    }),
  );
  await ok(
    await fetch(`${api}/messages/out/${messageId}`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/zip',
        'content-disposition': `attachment; name="Forsendelse"; filename="${zipFilename}"`,
      },
      body: zip,
    }),
  );
  await ok(await fetch(`${api}/messages/out/${messageId}`, { method: 'POST' }));
  return messageId;
}

/** The response if it is a 2xx, with its body read; an error naming the URL otherwise. */
export async function ok(response: Response): Promise<Response> {
  if (!response.ok) {
    throw new Error(`${response.url} answered ${response.status}: ${await response.text()}`);
  }
  return response;
}
