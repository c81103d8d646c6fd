import type { LoggerService } from '@nestjs/common';
import { failureFields } from '../http/peer-error';
import type { IntegrasjonspunktClient } from './integrasjonspunkt.client';

/**
 * Cancels the out-message of an attempt the bridge has given up on (parked, expired, replaced) at the IP, best
 * effort: the row's state is already committed and is the truth, so a failed cancel is logged and left to the
 * IP's deadline, which ends the message too. Never for an attempt that may still be sent (docs/architecture.md).
 */
export async function discardOutMessage(
  ip: IntegrasjonspunktClient,
  logger: LoggerService,
  target: { mottakId: string; messageId: string; why: string },
): Promise<boolean> {
  try {
    await ip.deleteOutMessage(target.messageId);
    return true;
  } catch (error) {
    logger.warn({
      msg: 'could not cancel the out-message at the IP; its deadline ends it',
      ...target,
      ...failureFields(error),
    });
    return false;
  }
}
