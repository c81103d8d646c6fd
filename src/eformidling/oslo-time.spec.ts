import { osloDate, osloDateTime } from './oslo-time';

describe('Oslo time', () => {
  it('writes winter time with +01:00', () => {
    expect(osloDateTime(Date.parse('2026-03-02T09:15:30.900Z'))).toBe('2026-03-02T10:15:30+01:00');
  });

  it('writes summer time with +02:00', () => {
    expect(osloDateTime(Date.parse('2026-07-01T22:30:00Z'))).toBe('2026-07-02T00:30:00+02:00');
    expect(osloDate(Date.parse('2026-07-01T22:30:00Z'))).toBe('2026-07-02');
  });
});
