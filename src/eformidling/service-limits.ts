import { UploadTooLargeError } from './forward.errors';

/**
 * The IP's default per-service upload limits (docs/peers/integrasjonspunkt.md: DPO 1 GB, DPF 1 GB, DPV 250 MB; the
 * IP reads them as Spring data sizes, i.e. binary units). The IP checks Content-Length against them before it
 * reads the body and then closes the connection on a large body, so the client often sees a broken pipe
 * instead of the 400 MaxFileSizeExceededException. Checking first turns that into a clear, parked reason.
 */
const DEFAULT_LIMITS: Readonly<Record<string, number>> = {
  DPO: 1024 ** 3,
  DPF: 1024 ** 3,
  DPV: 250 * 1024 ** 2,
};

/**
 * The limit the IP applies to `service`. An operator whose IP raised its limits (its own properties) sets
 * EFM_MAX_UPLOAD_BYTES, which then stands for every service.
 */
export function uploadLimitFor(service: string, maxUploadBytes: number | undefined): number | undefined {
  return maxUploadBytes ?? DEFAULT_LIMITS[service];
}

/**
 * What the IP's limit counts, kept for one forward try: the IP (NextMoveFileSizeValidator, at every upload)
 * adds the declared size of the file being uploaded to the sizes of every file the message already holds —
 * arkivmelding.xml, the Melding, each document, a generated file, the zip of the safe form alike — and refuses
 * the upload once that sum exceeds the service's limit. The bridge counts every file it uploads for the message,
 * in the order it uploads them, before the upload starts, so it parks what the IP would refuse instead of
 * meeting the IP's 400 and broken pipe mid-body. A file an earlier try already put there (a duplicate) is
 * counted too: the IP holds it, so it is in the IP's sum.
 */
export class UploadBudget {
  private used = 0;

  constructor(
    readonly service: string,
    readonly limit: number | undefined,
  ) {}

  /** Bytes the message's files may still add; undefined without a limit. */
  remaining(): number | undefined {
    return this.limit === undefined ? undefined : Math.max(0, this.limit - this.used);
  }

  /** Counts `bytes` of `filename`, or throws UploadTooLargeError (nothing counted) when the sum would pass the limit. */
  reserve(filename: string, bytes: number): void {
    if (this.limit !== undefined && this.used + bytes > this.limit) {
      throw new UploadTooLargeError(this.service, this.limit, { filename, bytes, total: this.used + bytes });
    }
    this.used += bytes;
  }
}
