import { z } from 'zod';

/** An integer given as an environment string, within [min, max]. */
export const intFromString = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const booleanFromString = z
  .enum(['true', 'false', '1', '0'], { message: 'must be true, false, 1 or 0' })
  .transform((v) => v === 'true' || v === '1');

/** SIM_SEED, shared by all three simulators. */
export const seedFromString = intFromString(-2_147_483_648, 4_294_967_295);

/**
 * Reads a simulator's variables; an empty variable counts as unset. Throws one error naming every bad
 * variable, so a typo stops the simulator at start-up rather than changing its behaviour.
 */
export function parseSimEnv<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined>,
  simulator: string,
): z.infer<S> {
  const present = Object.fromEntries(
    Object.keys(schema.shape)
      .filter((name) => env[name] !== undefined && env[name] !== '')
      .map((name) => [name, env[name]]),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid ${simulator} simulator configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
