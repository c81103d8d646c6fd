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

/**
 * Oslo's offset from UTC in minutes, asked of Intl once per UTC hour: Europe/Oslo changes it only on the hour
 * (01:00 UTC), and formatToParts cost more CPU per forsendelse than any other line of ours (bench:drain profile).
 */
const offsetByHour = new Map<number, number>();

function osloOffsetMinutes(ms: number): number {
  const hour = Math.floor(ms / 3_600_000);
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    const at = hour * 3_600_000;
    const p = osloParts(at);
    offset = Math.round((Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - at) / 60_000);
    if (offsetByHour.size >= 1024) {
      offsetByHour.clear();
    }
    offsetByHour.set(hour, offset);
  }
  return offset;
}

/** `2026-03-02T10:15:30+01:00` */
export function osloDateTime(ms: number): string {
  const whole = Math.floor(ms / 1000) * 1000;
  const offsetMinutes = osloOffsetMinutes(whole);
  const local = new Date(whole + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** `2026-03-02` */
export function osloDate(ms: number): string {
  return osloDateTime(ms).slice(0, 10);
}
