import type { MessageType } from '../config/app-config';
import { conversationIdFor, messageIdFor } from '../forsendelse/forsendelse-ids';
import { osloDateTime } from './oslo-time';

const AUTHORITY = 'iso6523-actorid-upis';

const DOCUMENT = {
  arkivmelding: { standard: 'urn:no:difi:arkivmelding:xsd::arkivmelding', typeVersion: '2.0' },
  avtalt: { standard: 'urn:no:difi:avtalt:xsd::avtalt', typeVersion: '1.0' },
} as const;

export interface SbdInput {
  mottakId: string;
  attempt: number;
  senderOrgnr: string;
  receiverOrgnr: string;
  messageType: MessageType;
  process: string;
  avtaltIdentifier: string;
  ttlHours: number;
  /** The arkivmelding's sikkerhetsnivaa (EFM_SECURITY_LEVEL); an avtalt message carries none. */
  securityLevel: number;
  nowMs: number;
  /** What the receiver of an `avtalt` message gets as content. */
  avtaltContent?: Record<string, unknown>;
}

export interface StandardBusinessDocument {
  standardBusinessDocumentHeader: {
    headerVersion: '1.0';
    sender: { identifier: { authority: string; value: string } }[];
    receiver: { identifier: { authority: string; value: string } }[];
    documentIdentification: {
      standard: string;
      typeVersion: string;
      type: MessageType;
      instanceIdentifier: string;
      creationDateAndTime: string;
    };
    businessScope: {
      scope: {
        type: 'ConversationId' | 'SenderRef';
        identifier: string;
        instanceIdentifier: string;
        scopeInformation?: { expectedResponseDateTime: string }[];
      }[];
    };
  };
  arkivmelding?: { sikkerhetsnivaa: number };
  avtalt?: { identifier: string; content: Record<string, unknown> };
}

/** `documentIdentification` of our message: the IP looks for its `standard` among the receiver's documentTypes. */
export function documentTypeOf(messageType: MessageType): { type: MessageType; standard: string } {
  return { type: messageType, standard: DOCUMENT[messageType].standard };
}

/**
 * The security level the IP looks the receiver up with when the message is created: the arkivmelding's
 * sikkerhetsnivaa; an avtalt message has none (AvtaltMessage is no HasSikkerhetsNivaa), so none is asked.
 */
export function securityLevelOf(messageType: MessageType, securityLevel: number): number | undefined {
  return messageType === 'arkivmelding' ? securityLevel : undefined;
}

/**
 * The SBD of one attempt. The messageId is derived from (mottakId, attempt) and the conversationId from the
 * mottakId, so a resumed forward rebuilds the very same ids (docs/architecture.md, "Idempotency and ids").
 */
export function buildSbd(input: SbdInput): StandardBusinessDocument {
  const messageId = messageIdFor(input.mottakId, input.attempt);
  const header: StandardBusinessDocument['standardBusinessDocumentHeader'] = {
    headerVersion: '1.0',
    sender: [{ identifier: { authority: AUTHORITY, value: `0192:${input.senderOrgnr}` } }],
    receiver: [{ identifier: { authority: AUTHORITY, value: `0192:${input.receiverOrgnr}` } }],
    documentIdentification: {
      ...DOCUMENT[input.messageType],
      type: input.messageType,
      instanceIdentifier: messageId,
      creationDateAndTime: osloDateTime(input.nowMs),
    },
    businessScope: {
      scope: [
        {
          type: 'ConversationId',
          identifier: input.process,
          instanceIdentifier: conversationIdFor(input.mottakId),
          scopeInformation: [{ expectedResponseDateTime: osloDateTime(input.nowMs + input.ttlHours * 3_600_000) }],
        },
        // Our own reference: the receiver can trace the message back to Brreg's mottakId.
        { type: 'SenderRef', identifier: input.process, instanceIdentifier: input.mottakId },
      ],
    },
  };
  if (input.messageType === 'avtalt') {
    return {
      standardBusinessDocumentHeader: header,
      avtalt: { identifier: input.avtaltIdentifier, content: input.avtaltContent ?? { mottakId: input.mottakId } },
    };
  }
  return { standardBusinessDocumentHeader: header, arkivmelding: { sikkerhetsnivaa: input.securityLevel } };
}
