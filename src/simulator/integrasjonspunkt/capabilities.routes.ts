import type { Router } from 'express';
import { queryString, type IpContext } from './ip.context';
import { ipErrors, springErrors } from './ip.errors';

/** Lombok's `SRParameter.toString()`, which the IP puts into its lookup error messages. */
export function srParameterText(p: {
  identifier: string;
  process?: string;
  securityLevel?: number;
  conversationId?: string;
}): string {
  const show = (v: string | number | undefined): string => (v === undefined ? 'null' : String(v));
  return (
    `SRParameter(identifier=${p.identifier}, process=${show(p.process)}, securityLevel=${show(p.securityLevel)}, ` +
    `print=null, infoOnly=false, conversationId=${show(p.conversationId)})`
  );
}

/** `GET /api/capabilities/{orgnr}?process=&securityLevel=` (CapabilitiesController). */
export function registerCapabilityRoutes(router: Router, ctx: IpContext): void {
  router.get('/api/capabilities/:receiverIdentifier', (req, res) => {
    const receiver = req.params.receiverIdentifier;
    const securityLevelText = queryString(req, 'securityLevel');
    let securityLevel: number | undefined;
    if (securityLevelText !== undefined && securityLevelText !== '') {
      if (!/^[+-]?\d{1,9}$/.test(securityLevelText)) {
        throw springErrors.typeMismatch(securityLevelText, 'java.lang.Integer');
      }
      securityLevel = Number(securityLevelText);
    }
    const processText = queryString(req, 'process');
    const process = processText === '' ? undefined : processText;
    const capabilities = ctx.registry.lookup(receiver, process);
    if (capabilities === undefined) {
      throw ipErrors.identifierNotFound(
        `Service record not found for parameters: ${srParameterText({ identifier: receiver, process, securityLevel })}`,
      );
    }
    res.json({ capabilities });
  });
}
