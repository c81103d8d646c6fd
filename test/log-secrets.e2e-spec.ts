import { control, eventually, testKeys, useBridgeEnvironment } from './support/bridge-harness';
import { BridgeProcess, BuiltBridge, bridgeProcessEnv, PROCESS_CREDENTIALS } from './support/bridge-process';
import { secretsIn } from './support/log-secrets';

/**
 * The built bridge, as ops run it, with JSON logs at debug level through a full run: its output must hold no
 * access token or grant (JWTs), no key or certificate (PEM), no PKCS#12 password and no Basic credentials.
 */
describe('the logs of a full run', () => {
  const env = useBridgeEnvironment();
  let built: BuiltBridge;
  let bridge: BridgeProcess | undefined;

  beforeAll(() => {
    built = BuiltBridge.prepare();
  }, 120_000);

  afterAll(async () => {
    await bridge?.stop();
    built?.remove();
  });

  it('contain no token, grant, key, certificate, password or Basic credentials', async () => {
    const keys = await testKeys();
    const { sims, db } = env;
    await control(sims.brreg.url, '/forsendelser', { body: { orgnr: keys.orgnr, count: 4 } });
    bridge = new BridgeProcess(built, await bridgeProcessEnv(sims, db));
    await bridge.start();

    // The IP simulator does not require Basic here, so the bridge sends it and the run still completes.
    await eventually(
      async () => {
        const forsendelser = await control<{ state: string }[]>(sims.brreg.url, '/forsendelser');
        return forsendelser.every((f) => f.state === 'confirmed') ? true : undefined;
      },
      45_000,
      'all four confirmed at Brreg',
    );
    await control(sims.brreg.url, '/faults/revoke-tokens', { body: {} });
    await control(sims.brreg.url, '/forsendelser', { body: { orgnr: keys.orgnr, count: 1 } });
    await eventually(
      async () =>
        (await control<{ state: string }[]>(sims.brreg.url, '/forsendelser')).every((f) => f.state === 'confirmed')
          ? true
          : undefined,
      30_000,
      'the fifth confirmed after a revoked token',
    );
    expect(await bridge.stop()).toBe(0);

    expect(bridge.output).toContain('"msg":"confirmed at Brreg"');
    expect(secretsIn(bridge.output, { keys, ...PROCESS_CREDENTIALS })).toEqual([]);
  });
});
