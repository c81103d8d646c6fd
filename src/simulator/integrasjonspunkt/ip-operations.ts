import type { Request } from 'express';
import type { RequestOperation } from '../common/request-observer';
import { parseContentDisposition } from './file-upload.handler';

const MESSAGE_OUT = /^\/api\/messages\/out\/([^/]+)$/;
const CONVERSATION = /^\/api\/conversations\/messageId\/([^/]+)$/;

/** The integrasjonspunkt's operations for the request observer, with the messageId and file they name. */
export function ipOperation(req: Request): RequestOperation | undefined {
  if ((req.path === '/api/messages/out' || req.path === '/api/messages/out/multipart') && req.method === 'POST') {
    // The messageId is in the body, which is not read yet. (The one-step multipart call also sends.)
    return { operation: 'create' };
  }
  const message = MESSAGE_OUT.exec(req.path);
  if (message && req.method === 'PUT') {
    return { operation: 'upload', id: message[1], filename: filenameOf(req) };
  }
  if (message && req.method === 'POST') {
    return { operation: 'send', id: message[1] };
  }
  if (message && req.method === 'GET') {
    return { operation: 'get-message', id: message[1] };
  }
  if (message && req.method === 'DELETE') {
    return { operation: 'delete-message', id: message[1] };
  }
  const conversation = CONVERSATION.exec(req.path);
  if (conversation && req.method === 'GET') {
    return { operation: 'conversation', id: conversation[1] };
  }
  if (req.path.startsWith('/api/statuses') && req.method === 'GET') {
    return { operation: 'statuses' };
  }
  return undefined;
}

function filenameOf(req: Request): string | undefined {
  const header = req.headers['content-disposition'];
  if (header === undefined) {
    return undefined;
  }
  try {
    return parseContentDisposition(header).filename;
  } catch {
    // The upload handler answers the bad header; the observer only reports the upload.
    return undefined;
  }
}
