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

/** Where a queued copy is: waiting for its turn, or transmitting (its files already read). */
export const COPY_STAGES = ['queue', 'transmission'] as const;
export type CopyStage = (typeof COPY_STAGES)[number];

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
  /** Copies waiting for their turn on the queue, and copies transmitting: what `release` can hurry along. */
  private readonly pending: Record<CopyStage, Map<NodeJS.Timeout, () => void>> = {
    queue: new Map(),
    transmission: new Map(),
  };

  constructor(
    private readonly store: IpStore,
    private readonly timers: TimerSet,
    private readonly settings: IntegrasjonspunktSimulatorOptions,
  ) {}

  /**
   * An accepted `POST /api/messages/out/{id}`: another copy goes on the internal queue. The IP queues the
   * whole message (SBD and file list) but not the files' bytes: its sender reads those from the persister when
   * the copy's turn comes (`InternalQueue.enqueueNextMove`, `NextMoveSender.send`).
   */
  enqueueSend(conversation: Conversation): void {
    conversation.trace.sendAccepted += 1;
    conversation.trace.copiesPending += 1;
    this.schedule('queue', this.settings.sendDelayMs, () => this.pickUp(conversation.id));
  }

  private schedule(stage: CopyStage, delayMs: number, fn: () => void): void {
    const timer = this.timers.after(delayMs, () => {
      this.pending[stage].delete(timer);
      fn();
    });
    this.pending[stage].set(timer, fn);
  }

  /** Ends the wait of every copy in `stage` now, oldest first; returns how many. */
  release(stage: CopyStage): number {
    const due = [...this.pending[stage]];
    this.pending[stage].clear();
    for (const [timer, fn] of due) {
      this.timers.cancel(timer);
      fn();
    }
    return due.length;
  }

  pendingCounts(): Record<CopyStage, number> {
    return { queue: this.pending.queue.size, transmission: this.pending.transmission.size };
  }

  /** A copy's turn on the queue: it reads the out-message's files, then transmits for `sendTransmitMs`. */
  private pickUp(convId: number): void {
    const conversation = this.store.conversation(convId);
    if (conversation === undefined) {
      return;
    }
    const out = this.store.outMessage(conversation.messageId);
    if (out === undefined) {
      conversation.trace.copiesPending -= 1;
      if (conversation.trace.outMessageDeleted === 'sent') {
        // The first copy already went: this one was taken by another of the IP's consumers at the same time,
        // read the files before the first deleted them, and is delivered again.
        conversation.trace.copiesDelivered += 1;
      } else {
        // DELETEd by the client (or cleaned up by an expired copy): the files are gone, the sender throws and
        // the queue redelivers it until the deadline; it never reaches the receiver.
        conversation.trace.copiesFailed += 1;
      }
      return;
    }
    if (compareIpDateTime(out.expiry, instant(Date.now())) < 0) {
      // NextMoveSender: an expired message is not sent; LEVETID_UTLOPT is registered and the message deleted.
      conversation.trace.copiesPending -= 1;
      this.store.registerStatus(conversation, 'LEVETID_UTLOPT', TTL_DESCRIPTION);
      this.store.deleteOutMessage(conversation.messageId, 'expired');
      return;
    }
    if (this.settings.sendTransmitMs === 0) {
      this.delivered(conversation, out);
      return;
    }
    // The files are read: from here a DELETE of the out-message no longer stops this copy.
    this.schedule('transmission', this.settings.sendTransmitMs, () => {
      if (this.store.conversation(convId) === conversation) {
        this.delivered(conversation, out);
      }
    });
  }

  /** The transmission succeeded: SENDT, then the out-message and its files are deleted (if still there). */
  private delivered(conversation: Conversation, out: OutMessage): void {
    conversation.trace.copiesPending -= 1;
    conversation.trace.copiesDelivered += 1;
    const steps = this.stepsFor(conversation, out);
    this.store.registerStatus(conversation, 'SENDT');
    if (this.store.outMessage(conversation.messageId) === out) {
      this.store.deleteOutMessage(conversation.messageId, 'sent');
    }
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
    this.pending.queue.clear();
    this.pending.transmission.clear();
  }
}
