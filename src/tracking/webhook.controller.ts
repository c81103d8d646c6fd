import { Body, Controller, HttpCode, Inject, NotFoundException, Param, Post } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { WorkQueues } from '../queues/work-queues';

const eventSchema = z.object({
  event: z.string(),
  // Ours are UUIDs; anything else is not re-read (it would end up in the path of a call to the IP).
  messageId: z.uuid().optional(),
  status: z.string().optional(),
});

/**
 * The IP may announce a status before it has committed it (docs/peers/integrasjonspunkt.md): a second re-read this
 * much later catches that case, while the first, at once, keeps LEVERT → confirm under a second.
 */
const RECHECK_DELAY_MS = 1_000;

/**
 * Status pushes from the IP. An event is only a hint (anyone who can reach the endpoint can post one): it
 * triggers a re-read of that message's statuses from the IP, and nothing else.
 */
@Controller('webhook/efm')
export class WebhookController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: WorkQueues,
  ) {}

  @Post(':secret')
  @HttpCode(200)
  async receive(@Param('secret') secret: string, @Body() body: unknown): Promise<{ accepted: boolean }> {
    const webhook = this.config.efm.webhook;
    if (!webhook || !sameSecret(secret, webhook.secret)) {
      // Indistinguishable from a path that does not exist.
      throw new NotFoundException();
    }
    const event = eventSchema.safeParse(body);
    if (!event.success || event.data.event !== 'status' || !event.data.messageId) {
      // The ping, or something we do not act on.
      return { accepted: false };
    }
    await this.queues.recheck([event.data.messageId]);
    await this.queues.recheck([event.data.messageId], RECHECK_DELAY_MS);
    return { accepted: true };
  }
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
