import { compareIpDateTime, formatInZone, formatIpDateTime, parseIsoDateTime } from './ip-time';

describe('ip-time', () => {
  it('writes Europe/Oslo times as Java does: seconds always, trailing zeros of the fraction dropped', () => {
    expect(formatInZone(Date.UTC(2024, 6, 1, 10, 0, 0, 0), 'Europe/Oslo')).toBe('2024-07-01T12:00:00+02:00');
    expect(formatInZone(Date.UTC(2024, 0, 1, 10, 0, 0, 120), 'Europe/Oslo')).toBe('2024-01-01T11:00:00.12+01:00');
    expect(formatInZone(Date.UTC(2024, 0, 1, 10, 0, 0, 5), 'UTC')).toBe('2024-01-01T10:00:00.005Z');
  });

  it('parses ISO_DATE_TIME with an offset, keeping sub-millisecond precision', () => {
    const parsed = parseIsoDateTime('2024-05-01T10:00:00.123456789+02:00');
    expect(parsed).toEqual({ epochMs: Date.UTC(2024, 4, 1, 8, 0, 0, 123), subMsNanos: 456789, offsetSeconds: 7200 });
    expect(formatIpDateTime(parsed!)).toBe('2024-05-01T10:00:00.123456789+02:00');
    expect(parseIsoDateTime('2024-05-01T10:00Z')?.epochMs).toBe(Date.UTC(2024, 4, 1, 10));
  });

  it('needs an offset unless a local zone is given, and is strict about fields', () => {
    expect(parseIsoDateTime('2024-05-01T10:00:00')).toBeUndefined();
    expect(parseIsoDateTime('2024-05-01T10:00:00 02:00')).toBeUndefined();
    expect(parseIsoDateTime('2024-02-30T10:00:00Z')).toBeUndefined();
    expect(parseIsoDateTime('2024-05-01T24:00:00Z')).toBeUndefined();
    expect(parseIsoDateTime('2024-05-01T10:00:00+0200')).toBeUndefined();
    expect(parseIsoDateTime('2024-05-01T10:00:00', 'UTC')?.epochMs).toBe(Date.UTC(2024, 4, 1, 10));
  });

  it('compares instants across offsets and below a millisecond', () => {
    const a = parseIsoDateTime('2024-05-01T10:00:00.0000001+02:00')!;
    const b = parseIsoDateTime('2024-05-01T08:00:00Z')!;
    expect(compareIpDateTime(a, b)).toBeGreaterThan(0);
    expect(compareIpDateTime(b, parseIsoDateTime('2024-05-01T10:00:00+02:00')!)).toBe(0);
  });
});
