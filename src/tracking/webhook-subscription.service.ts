import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { IntegrasjonspunktClient } from '../eformidling/integrasjonspunkt.client';

export const WEBHOOK_NAME = 'brreg-efm-bridge';
/** Only what can change a forsendelse's fate; the feed still reads everything. */
export const WEBHOOK_FILTER = 'status=LEVERT,LEST,FEIL,LEVETID_UTLOPT&direction=OUTGOING';

/** The path the IP posts to: the secret is part of it (the IP's pushes carry no authentication). */
export function webhookPath(secret: string): string {
  return `/webhook/efm/${secret}`;
}

/**
 * Keeps our status subscription registered at the IP when EFM_WEBHOOK_BASE_URL is set. The IP forgets
 * subscriptions on restart, so this is re-checked on every reconcile tick, not only at start-up.
 */
@Injectable()
export class WebhookSubscriptionService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Webhook');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly ip: IntegrasjonspunktClient,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Start-up must not fail because the IP is away: the next reconcile tick tries again.
    await this.ensure().catch((error: unknown) =>
      this.logger.warn({ msg: 'could not register the status subscription yet', error: String(error) }),
    );
  }

  /** Registers the subscription unless the IP already has it; returns whether it had to. */
  async ensure(): Promise<boolean> {
    const webhook = this.config.efm.webhook;
    if (!webhook) {
      return false;
    }
    const pushEndpoint = `${webhook.baseUrl}${webhookPath(webhook.secret)}`;
    const existing = await this.ip.listSubscriptions();
    if (existing.some((s) => s.name === WEBHOOK_NAME && s.pushEndpoint === pushEndpoint)) {
      return false;
    }
    const id = await this.ip.createSubscription({
      name: WEBHOOK_NAME,
      pushEndpoint,
      resource: 'messages',
      event: 'status',
      filter: WEBHOOK_FILTER,
    });
    this.logger.log({ msg: 'status subscription registered', subscriptionId: id });
    return true;
  }
}
