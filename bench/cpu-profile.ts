import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * V8's sampling CPU profiler in this process, from now until the returned `stop` writes a `.cpuprofile` (the
 * format `node --cpu-prof` writes, readable by profile-top.ts and Chrome DevTools). Started and stopped on
 * demand, so a profile covers the measured window only, not start-up and shutdown.
 */
export async function startCpuProfile(samplingIntervalUs = 1000): Promise<(file: string) => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}
