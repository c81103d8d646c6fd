/**
 * Norwegian local time with its offset (+01:00 or +02:00), as archives expect dates (docs/peers/arkivmelding.md §5).
 * Intl knows the DST rules, so no time-zone library is needed.
 */
const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Oslo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function osloParts(ms: number): Record<string, string> {
  return Object.fromEntries(parts.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
}

/** `2026-03-02T10:15:30+01:00` */
export function osloDateTime(ms: number): string {
  const p = osloParts(Math.floor(ms / 1000) * 1000);
  const local = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  const offsetMinutes = Math.round((local - Math.floor(ms / 1000) * 1000) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${offset}`;
}

/** `2026-03-02` */
export function osloDate(ms: number): string {
  return osloDateTime(ms).slice(0, 10);
}
