import { osloDate, osloDateTime } from './oslo-time';

describe('Oslo time', () => {
  it('writes winter time with +01:00', () => {
    expect(osloDateTime(Date.parse('2026-03-02T09:15:30.900Z'))).toBe('2026-03-02T10:15:30+01:00');
  });

  it('writes summer time with +02:00', () => {
    expect(osloDateTime(Date.parse('2026-07-01T22:30:00Z'))).toBe('2026-07-02T00:30:00+02:00');
    expect(osloDate(Date.parse('2026-07-01T22:30:00Z'))).toBe('2026-07-02');
  });

  it('agrees with Intl second by second across both changes of 2026 and 2027, in any order of calls', () => {
    // Intl's own rendering with the offset, read differently from the code under test.
    const reference = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Europe/Oslo',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    });
    const expected = (ms: number) => {
      const [date, time, zone] = reference.format(new Date(ms)).split(' ');
      return `${date}T${time}${zone.replace('GMT', '')}`;
    };
    const instants: number[] = [];
    for (const change of ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2027-03-28T01:00:00Z']) {
      for (let s = -3600; s <= 3600; s += 7) {
        instants.push(Date.parse(change) + s * 1000 + 999);
      }
    }
    // Backwards too, so an hour's cached offset is never what made the next one right.
    for (const ms of [...instants, ...instants.reverse()]) {
      expect(osloDateTime(ms)).toBe(expected(ms));
    }
  });
});
