/**
 * Brreg's `oppdatert` is a Java LocalDateTime in Norwegian time, serialised the way Jackson does it by default
 * (ISO_LOCAL_DATE_TIME): seconds always, the fraction only as long as it needs to be ("…:51.691", "…:51.5", "…:51").
 */
const OSLO = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Oslo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

export function osloLocalDateTime(date: Date): string {
  const parts = OSLO.formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '00';
  const fraction = String(date.getUTCMilliseconds()).padStart(3, '0').replace(/0+$/, '');
  const base = `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}`;
  return fraction === '' ? base : `${base}.${fraction}`;
}

/** What a seed request may give as `oppdatert`: any ISO local date-time Java would print. */
export const LOCAL_DATE_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$/;

/** A `YYYY-MM-DD` that is a real calendar date (like java.time.LocalDate.parse), else undefined. */
export function parseLocalDate(value: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (match === null) {
    return undefined;
  }
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined;
  }
  return value;
}
