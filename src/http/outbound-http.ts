import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import type { AppConfig } from '../config/app-config';
import { userAgent } from './user-agent';

/**
 * What every outbound call shares: one connection pool with the configured timeouts (connect, headers, idle
 * body) and the proxy variables, and our User-Agent. Clients use it with undici's `request`.
 */
export class OutboundHttp {
  readonly dispatcher: Dispatcher;
  readonly userAgent = userAgent();

  constructor(
    readonly timeoutMs: number,
    proxy: Pick<AppConfig['http'], 'httpProxy' | 'httpsProxy' | 'noProxy'>,
  ) {
    const timeouts = { connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
    this.dispatcher =
      proxy.httpProxy || proxy.httpsProxy
        ? new EnvHttpProxyAgent({
            ...timeouts,
            httpProxy: proxy.httpProxy,
            httpsProxy: proxy.httpsProxy,
            noProxy: proxy.noProxy,
          })
        : new Agent(timeouts);
  }

  static fromConfig(config: AppConfig): OutboundHttp {
    return new OutboundHttp(config.http.timeoutMs, config.http);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
