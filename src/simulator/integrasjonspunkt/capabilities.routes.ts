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

/** ServiceRegistryClient's words for a registry answer of 400 (its `error_description` at the end). */
export function lookupFailure(parameters: string, description: string): string {
  return (
    `Caught exception when looking up service record with parameter ${parameters}, http status 400 BAD_REQUEST ` +
    `(Bad Request): ${description}`
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
    const parameters = srParameterText({ identifier: receiver, process, securityLevel });
    const lookup = ctx.registry.serviceRecords(receiver, { process, securityLevel });
    if (lookup.kind === 'not-found') {
      throw ipErrors.identifierNotFound(`Service record not found for parameters: ${parameters}`);
    }
    if (lookup.kind === 'security-level-refused') {
      // The registry's 400 becomes a ServiceRegistryLookupException, wrapped in a MeldingsUtvekslingRuntimeException
      // that CapabilitiesController passes on and no handler maps: a 500 with the registry's words in it.
      throw springErrors.internal(
        'no.difi.meldingsutveksling.domain.MeldingsUtvekslingRuntimeException',
        `no.difi.meldingsutveksling.serviceregistry.ServiceRegistryLookupException: ${lookupFailure(parameters, lookup.description)}`,
      );
    }
    res.json({ capabilities: lookup.records });
  });
}
