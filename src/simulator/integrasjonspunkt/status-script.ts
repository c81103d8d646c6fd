import { z } from 'zod';
import { STATUS_NAMES, type Conversation, type OutMessage, type StatusName } from './ip.store';

/**
 * Named outcomes for what happens after SENDT. Each is turned into steps for the message's service:
 * - `LEVERT` the service's normal course (DPO → MOTTATT → LEVERT; DPV → LEVERT; DPF LEVERT at once)
 * - `FEIL` FEIL instead of LEVERT; `LEVETID_UTLOPT` LEVETID_UTLOPT instead of LEVERT
 * - `HOLD` stop after MOTTATT (DPO) or SENDT (DPV/DPF): the TTL job ends it with LEVETID_UTLOPT
 * - `LATE_LEVERT` LEVETID_UTLOPT, then a late LEVERT; `FEIL_AFTER_LEVERT` LEVERT, then FEIL
 * - `LEST` the normal course, then LEST; `ANNET` ANNET before LEVERT (DPO/DPV; DPF never reports one)
 */
export const SCRIPT_PRESETS = [
  'LEVERT',
  'FEIL',
  'LEVETID_UTLOPT',
  'HOLD',
  'LATE_LEVERT',
  'FEIL_AFTER_LEVERT',
  'LEST',
  'ANNET',
] as const;
export type ScriptPreset = (typeof SCRIPT_PRESETS)[number];

const stepSchema = z.strictObject({
  status: z.enum(STATUS_NAMES),
  /** Wait before this step; default the simulator's statusDelayMs. */
  delayMs: z.number().int().min(0).max(86_400_000).optional(),
  description: z.string().max(2000).optional(),
});
export type ScriptStep = z.infer<typeof stepSchema>;

export const scriptRuleSchema = z
  .strictObject({
    match: z
      .strictObject({
        messageId: z.string().min(1).optional(),
        conversationId: z.string().min(1).optional(),
        /** Receiver organisation number (9 digits). */
        receiver: z
          .string()
          .regex(/^\d{9}$/)
          .optional(),
        /** A substring of the uploaded arkivmelding.xml. */
        arkivmeldingContains: z.string().min(1).optional(),
        /** A regular expression one uploaded file name must match. */
        filename: z
          .string()
          .min(1)
          .refine(
            (source) => {
              try {
                new RegExp(source);
                return true;
              } catch {
                return false;
              }
            },
            { message: 'not a valid regular expression' },
          )
          .optional(),
      })
      .refine((m) => Object.keys(m).length > 0, { message: 'match at least one property' }),
    preset: z.enum(SCRIPT_PRESETS).optional(),
    steps: z.array(stepSchema).max(20).optional(),
    /** Apply to the next N matching messages, then drop the rule; default: every match. */
    count: z.number().int().min(1).optional(),
  })
  .refine((r) => (r.preset === undefined) !== (r.steps === undefined), {
    message: 'give exactly one of preset, steps',
  });
export type ScriptRuleInput = z.infer<typeof scriptRuleSchema>;

export interface ScriptRule extends ScriptRuleInput {
  id: number;
  /** Matches still to go; undefined = unlimited. */
  remaining?: number;
  applied: number;
}

const FEIL_DESCRIPTION = 'Simulert feil fra mottaker';

function step(status: StatusName, delayMs: number, description?: string): ScriptStep {
  return description === undefined ? { status, delayMs } : { status, delayMs, description };
}

/**
 * The receiver's statuses beside the ones that decide the outcome, per service as the IP gets them: LEST when the
 * receiver opened it (DPO from the receiving IP, DPV from Altinn's READ, DPF from SvarUt's LEST), and ANNET for a
 * status the IP cannot map (an unknown Altinn correspondence status for DPV, any other status a DPO receiver
 * sends; SvarUt yields only LEST, so never for DPF).
 */
export interface CourseExtras {
  annet: boolean;
  lest: boolean;
}

export function canReportAnnet(service: string): boolean {
  return service === 'DPO' || service === 'DPV';
}

/** The normal course (DPO → MOTTATT → LEVERT; DPV → LEVERT; DPF LEVERT at once) with the extras drawn for it. */
export function normalCourse(service: string, delay: number, extras: CourseExtras): ScriptStep[] {
  const steps = presetSteps('LEVERT', service, delay);
  if (extras.annet && canReportAnnet(service)) {
    steps.splice(steps.length - 1, 0, step('ANNET', delay));
  }
  if (extras.lest) {
    steps.push(step('LEST', delay));
  }
  return steps;
}

/** The steps after SENDT for a service and preset, with `delay` between steps (DPF's LEVERT comes at once). */
export function presetSteps(preset: ScriptPreset, service: string, delay: number): ScriptStep[] {
  const dpo = service === 'DPO';
  const lead = dpo ? [step('MOTTATT', delay)] : [];
  const firstDelay = service === 'DPF' ? 0 : delay;
  const end = (status: StatusName, description?: string): ScriptStep =>
    step(status, dpo ? delay : firstDelay, description);
  switch (preset) {
    case 'LEVERT':
      return [...lead, end('LEVERT')];
    case 'FEIL':
      return [...lead, end('FEIL', FEIL_DESCRIPTION)];
    case 'LEVETID_UTLOPT':
      return [...lead, end('LEVETID_UTLOPT')];
    case 'HOLD':
      return lead;
    case 'LATE_LEVERT':
      return [...lead, end('LEVETID_UTLOPT'), step('LEVERT', delay)];
    case 'FEIL_AFTER_LEVERT':
      return [...lead, end('LEVERT'), step('FEIL', delay, FEIL_DESCRIPTION)];
    case 'LEST':
      return normalCourse(service, delay, { annet: false, lest: true });
    case 'ANNET':
      return normalCourse(service, delay, { annet: true, lest: false });
  }
}

export function ruleSteps(rule: ScriptRuleInput, service: string, delay: number): ScriptStep[] {
  if (rule.steps !== undefined) {
    return rule.steps.map((s) => ({ ...s, delayMs: s.delayMs ?? delay }));
  }
  return presetSteps(rule.preset ?? 'LEVERT', service, delay);
}

export function ruleName(rule: ScriptRuleInput): string {
  return rule.preset ?? `steps:${(rule.steps ?? []).map((s) => s.status).join('>')}`;
}

/** Whether a rule selects this message (every given property must match). */
export function ruleMatches(rule: ScriptRuleInput, conversation: Conversation, out?: OutMessage): boolean {
  const m = rule.match;
  if (m.messageId !== undefined && m.messageId !== conversation.messageId) {
    return false;
  }
  if (m.conversationId !== undefined && m.conversationId !== conversation.conversationId) {
    return false;
  }
  if (m.receiver !== undefined && m.receiver !== conversation.receiverIdentifier) {
    return false;
  }
  if (m.arkivmeldingContains !== undefined && !(out?.arkivmeldingText ?? '').includes(m.arkivmeldingContains)) {
    return false;
  }
  if (m.filename !== undefined) {
    const pattern = new RegExp(m.filename);
    if (!conversation.trace.files.some((f) => f.filename !== null && pattern.test(f.filename))) {
      return false;
    }
  }
  return true;
}
