/**
 * Date-times as the IP (Java `OffsetDateTime` + Jackson) reads and writes them. Precision below a millisecond
 * is kept as `subMsNanos` so bounds given with micro- or nanoseconds compare as the IP's database would.
 */
export interface IpDateTime {
  epochMs: number;
  /** 0..999_999: the nanoseconds below `epochMs`. */
  subMsNanos: number;
  /** Offset the value was written with, in seconds east of UTC. */
  offsetSeconds: number;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of `zone` at an instant, in seconds (e.g. Europe/Oslo in summer → 7200). */
export function zoneOffsetSeconds(zone: string, epochMs: number): number {
  let formatter = offsetFormatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormatters.set(zone, formatter);
  }
  const name = formatter.formatToParts(new Date(epochMs)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(name);
  if (match === null) {
    return 0;
  }
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4] ?? '0');
  return match[1] === '-' ? -seconds : seconds;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function formatOffset(offsetSeconds: number): string {
  if (offsetSeconds === 0) {
    return 'Z';
  }
  const abs = Math.abs(offsetSeconds);
  const sign = offsetSeconds < 0 ? '-' : '+';
  const seconds = abs % 60;
  const base = `${sign}${pad(Math.floor(abs / 3600), 2)}:${pad(Math.floor((abs % 3600) / 60), 2)}`;
  return seconds === 0 ? base : `${base}:${pad(seconds, 2)}`;
}

/**
 * Java's `ISO_OFFSET_DATE_TIME`: seconds always, the fraction only as long as it needs to be (trailing zeros
 * dropped), `Z` for a zero offset. Clients must cope with `…:34+02:00`, `…:34.1+02:00` and `…:34.123+02:00`.
 */
export function formatIpDateTime(value: IpDateTime): string {
  const local = new Date(value.epochMs + value.offsetSeconds * 1000);
  const nanos = local.getUTCMilliseconds() * 1_000_000 + value.subMsNanos;
  const fraction = nanos === 0 ? '' : `.${pad(nanos, 9).replace(/0+$/, '')}`;
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}` +
    `T${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}` +
    `${fraction}${formatOffset(value.offsetSeconds)}`
  );
}

/** An instant written in `zone`, as the IP writes every stored timestamp. */
export function formatInZone(epochMs: number, zone: string): string {
  return formatIpDateTime({ epochMs, subMsNanos: 0, offsetSeconds: zoneOffsetSeconds(zone, epochMs) });
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}(?::\d{2})?)?(?:\[([^\]]+)\])?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseOffset(text: string): number {
  if (text === 'Z') {
    return 0;
  }
  const [h, m, s] = text.slice(1).split(':').map(Number);
  const seconds = h * 3600 + m * 60 + (s ?? 0);
  return text.startsWith('-') ? -seconds : seconds;
}

function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Java's `DateTimeFormatter.ISO_DATE_TIME` (strict resolver). With `localZone`, a value without offset is read
 * as local time there, at the zone's *current* offset (the IP's Jackson deserializer does exactly that);
 * without it, a value needs an offset (Spring's `@DateTimeFormat(iso = DATE_TIME) OffsetDateTime`).
 * Returns undefined when Java would throw a DateTimeParseException.
 */
export function parseIsoDateTime(text: string, localZone?: string): IpDateTime | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (m === null) {
    return undefined;
  }
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const fraction = (m[7] ?? '').padEnd(9, '0');
  const millis = Number(fraction.slice(0, 3));
  const subMsNanos = Number(fraction.slice(3));
  const zone = m[9];
  if (zone !== undefined && !isKnownZone(zone)) {
    return undefined;
  }
  const localMs = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  let offsetSeconds: number;
  if (m[8] !== undefined) {
    offsetSeconds = parseOffset(m[8]);
  } else if (zone !== undefined) {
    offsetSeconds = zoneOffsetSeconds(zone, localMs - zoneOffsetSeconds(zone, localMs) * 1000);
  } else if (localZone !== undefined) {
    offsetSeconds = zoneOffsetSeconds(localZone, Date.now());
  } else {
    return undefined;
  }
  return { epochMs: localMs - offsetSeconds * 1000, subMsNanos, offsetSeconds };
}

/** Negative when a is earlier than b. */
export function compareIpDateTime(a: IpDateTime, b: IpDateTime): number {
  return a.epochMs !== b.epochMs ? a.epochMs - b.epochMs : a.subMsNanos - b.subMsNanos;
}

export function instant(epochMs: number): IpDateTime {
  return { epochMs, subMsNanos: 0, offsetSeconds: 0 };
}
