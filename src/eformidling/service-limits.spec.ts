import { UploadTooLargeError } from './forward.errors';
import { UploadBudget, uploadLimitFor } from './service-limits';

describe('upload limits', () => {
  it('are the IP’s per service, or EFM_MAX_UPLOAD_BYTES for all', () => {
    expect(uploadLimitFor('DPV', undefined)).toBe(250 * 1024 ** 2);
    expect(uploadLimitFor('DPO', 10)).toBe(10);
    expect(uploadLimitFor('DPI', undefined)).toBeUndefined();
  });

  it('count all of a message’s files together, up to and including the limit, as the IP does', () => {
    const budget = new UploadBudget('DPO', 100);
    budget.reserve('hendvendelse.xml', 30);
    budget.reserve('vedtak.pdf', 60);
    expect(budget.remaining()).toBe(10);
    // arkivmelding.xml counts like any other file: 30 + 60 + 11 is over 100.
    const error = (() => {
      try {
        budget.reserve('arkivmelding.xml', 11);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UploadTooLargeError);
    expect((error as Error).message).toBe(
      "the message's files come to 101 bytes with arkivmelding.xml (11 bytes), over the integrasjonspunkt's DPO " +
        "limit of 100 bytes for all of a message's files together (MaxFileSizeExceededException)",
    );
    // A refused file is not counted; exactly the limit is allowed (the IP refuses only a sum above it).
    budget.reserve('arkivmelding.xml', 10);
    expect(budget.remaining()).toBe(0);
  });

  it('count without bound when the service has no limit', () => {
    const budget = new UploadBudget('DPE', undefined);
    budget.reserve('huge', Number.MAX_SAFE_INTEGER);
    expect(budget.remaining()).toBeUndefined();
  });
});
