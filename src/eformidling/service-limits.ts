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
