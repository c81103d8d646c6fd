import { BoundedLog } from '../common/bounded-log';
import type { IntegrasjonspunktSimulatorOptions } from './integrasjonspunkt-sim.options';
import { compareIpDateTime, instant } from './ip-time';
import type { Conversation, IpStore, OutMessage, StatusName, StatusRecord } from './ip.store';
import {
  normalCourse,
  ruleMatches,
  ruleName,
  ruleSteps,
  type ScriptRule,
  type ScriptRuleInput,
  type ScriptStep,
} from './status-script';
import type { TimerSet } from './timer-set';

/** The description `TimeToLiveHelper` stores with LEVETID_UTLOPT when the deadline passed before the send. */
export const TTL_DESCRIPTION = 'Levetiden for meldingen er utgått. Må sendes på nytt';

interface Running {
  steps: ScriptStep[];
  next: number;
  timer?: NodeJS.Timeout;
}

/**
 * Everything that happens to a message after the client let go of it: the asynchronous send (one copy per
 * accepted send POST: the IP's queue has no de-duplication), SENDT, and the receiver's statuses on a timer per
 * service, unless a script says otherwise.
 */
export class StatusProgression {
  private readonly running = new Map<number, Running>();
  private readonly rules = new BoundedLog<ScriptRule>(10_000);
  /** Unscripted messages so far: LEST and ANNET are spread evenly over them at their rates. */
  private unscripted = 0;

  constructor(
    private readonly store: IpStore,
    private readonly timers: TimerSet,
    private readonly settings: IntegrasjonspunktSimulatorOptions,
  ) {}

  /** An accepted `POST /api/messages/out/{id}`: another copy goes on the internal queue. */
  enqueueSend(conversation: Conversation): void {
    conversation.trace.sendAccepted += 1;
    this.timers.after(this.settings.sendDelayMs, () => this.deliverCopy(conversation.id));
  }

  private deliverCopy(convId: number): void {
    const conversation = this.store.conversation(convId);
    if (conversation === undefined) {
      return;
    }
    const out = this.store.outMessage(conversation.messageId);
    if (out === undefined) {
      // The first copy already went: this one was read from the queue concurrently and is delivered again.
      if (conversation.trace.outMessageDeleted === 'sent') {
        conversation.trace.copiesDelivered += 1;
      }
      return;
    }
    if (compareIpDateTime(out.expiry, instant(Date.now())) < 0) {
      // NextMoveSender: an expired message is not sent; LEVETID_UTLOPT is registered and the message deleted.
      this.store.registerStatus(conversation, 'LEVETID_UTLOPT', TTL_DESCRIPTION);
      this.store.deleteOutMessage(conversation.messageId, 'expired');
      return;
    }
    conversation.trace.copiesDelivered += 1;
    const steps = this.stepsFor(conversation, out);
    this.store.registerStatus(conversation, 'SENDT');
    this.store.deleteOutMessage(conversation.messageId, 'sent');
    this.run(conversation, steps);
  }

  private stepsFor(conversation: Conversation, out: OutMessage): ScriptStep[] {
    const delay = this.settings.statusDelayMs;
    const rule = this.takeRule((r) => ruleMatches(r, conversation, out));
    if (rule === undefined) {
      // Spread evenly rather than drawn, so that even a run of three messages meets both at a modest rate.
      const n = this.unscripted++;
      const due = (rate: number): boolean => Math.floor((n + 1) * rate) > Math.floor(n * rate);
      const extras = { annet: due(this.settings.annetRate), lest: due(this.settings.lestRate) };
      return normalCourse(conversation.serviceIdentifier, delay, extras);
    }
    conversation.trace.script = ruleName(rule);
    return ruleSteps(rule, conversation.serviceIdentifier, delay);
  }

  private takeRule(matches: (rule: ScriptRule) => boolean): ScriptRule | undefined {
    const rule = this.rules.all().find((r) => (r.remaining === undefined || r.remaining > 0) && matches(r));
    if (rule === undefined) {
      return undefined;
    }
    rule.applied += 1;
    if (rule.remaining !== undefined) {
      rule.remaining -= 1;
    }
    return rule;
  }

  private run(conversation: Conversation, steps: ScriptStep[]): void {
    this.stop(conversation.id);
    const state: Running = { steps, next: 0 };
    this.running.set(conversation.id, state);
    this.scheduleNext(conversation, state);
  }

  private scheduleNext(conversation: Conversation, state: Running): void {
    const step = state.steps[state.next];
    if (step === undefined) {
      this.running.delete(conversation.id);
      return;
    }
    state.timer = this.timers.after(step.delayMs ?? this.settings.statusDelayMs, () => {
      if (this.running.get(conversation.id) !== state) {
        return;
      }
      if (this.store.conversation(conversation.id) !== conversation) {
        this.running.delete(conversation.id);
        return;
      }
      this.store.registerStatus(conversation, step.status, step.description);
      state.next += 1;
      this.scheduleNext(conversation, state);
    });
  }

  private stop(convId: number): void {
    const state = this.running.get(convId);
    if (state?.timer !== undefined) {
      this.timers.cancel(state.timer);
    }
    this.running.delete(convId);
  }

  /**
   * Adds a script rule. A rule naming a messageId or conversationId whose message is already past SENDT
   * takes over its remaining course at once (the steps already present are dropped as repeats).
   */
  addRule(input: ScriptRuleInput): ScriptRule {
    const rule: ScriptRule = { ...input, id: this.store.nextId(), remaining: input.count, applied: 0 };
    this.rules.push(rule);
    if (input.match.messageId !== undefined || input.match.conversationId !== undefined) {
      for (const conversation of this.store.allConversations()) {
        const sent = conversation.statusNames.has('SENDT') && !conversation.finished;
        if (sent && (rule.remaining === undefined || rule.remaining > 0) && ruleMatches(rule, conversation)) {
          rule.applied += 1;
          if (rule.remaining !== undefined) {
            rule.remaining -= 1;
          }
          conversation.trace.script = ruleName(rule);
          this.run(conversation, ruleSteps(rule, conversation.serviceIdentifier, this.settings.statusDelayMs));
        }
      }
    }
    return rule;
  }

  listRules(): readonly ScriptRule[] {
    return this.rules.all();
  }

  clearRules(): void {
    this.rules.clear();
  }

  /** A status injected through the control API, registered now (a repeat is dropped, as in the IP). */
  inject(conversation: Conversation, status: StatusName, description?: string): StatusRecord | undefined {
    return this.store.registerStatus(conversation, status, description);
  }

  clear(): void {
    this.running.clear();
    this.rules.clear();
    this.unscripted = 0;
  }
}
